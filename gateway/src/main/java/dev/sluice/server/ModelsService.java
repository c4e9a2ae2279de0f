package dev.sluice.server;

import java.nio.charset.StandardCharsets;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import dev.sluice.openai.JsonEdits;
import dev.sluice.routing.ModelCatalog;

/** Answers {@code GET /v1/models} with every model name the configuration serves, adapters with their parent. */
final class ModelsService {

    private ModelsService() {}

    static HttpResponse list(ModelCatalog catalog) {
        final StringBuilder buf = new StringBuilder(256).append("{\"object\":\"list\",\"data\":[");
        boolean first = true;
        for (ModelCatalog.Model m : catalog.models()) {
            if (!first) {
                buf.append(',');
            }
            first = false;
            buf.append("{\"id\":").append(quote(m.id()))
               .append(",\"object\":\"model\",\"created\":0,\"owned_by\":\"sluice\",\"root\":")
               .append(quote(m.id()))
               .append(",\"parent\":").append(m.parent() == null ? "null" : quote(m.parent()))
               .append('}');
        }
        buf.append("]}");
        return HttpResponse.of(ResponseHeaders.of(HttpStatus.OK, "content-type", MediaType.JSON_UTF_8.toString()),
                               HttpData.ofUtf8(buf.toString()));
    }

    private static String quote(String s) {
        return new String(JsonEdits.quote(s), StandardCharsets.UTF_8);
    }
}
