package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.limit.SpikeArrestRate;
import dev.sluice.config.Resources.ApiOperation;
import dev.sluice.config.Resources.ApiProductSpec;
import dev.sluice.config.Resources.ApiQuota;
import dev.sluice.config.Resources.Resource;

/**
 * An API product, as Apigee's: which models and operations its apps' keys may call, under which quotas (requests
 * and tokens), spike arrest and inference objective.
 *
 * <p>Models match exactly or by glob ({@code *} any characters, {@code ?} one), so {@code meta-llama/*} covers every
 * Llama. Operation paths follow Apigee's {@code apiResources}: {@code *} matches one path segment, a trailing
 * {@code /**} matches the path and anything below it, and {@code /} alone matches everything. An empty list of models
 * or operations allows any.
 */
public final class ApiProduct {

    /** What a product's quotas count per. */
    public enum QuotaIdentifier {
        /** One count per app (Apigee's usual {@code client_id} scope, without resetting on key rotation). */
        APP,
        /** One count per developer, shared by their apps. */
        DEVELOPER,
        /** One count per key. */
        KEY;

        /** Returns the identifier of {@code credential} in this scope. */
        public String of(Credential credential) {
            return switch (this) {
                case APP -> credential.app().id();
                case DEVELOPER -> credential.developer().id();
                case KEY -> credential.key().id();
            };
        }
    }

    /** One operation: a path pattern and methods (empty: any). */
    public record Operation(String path, Set<String> methods) {
        public Operation {
            requireNonNull(path, "path");
            methods = Set.copyOf(methods);
        }
    }

    private final String name;
    private final @Nullable String displayName;
    private final List<String> models;
    private final List<Pattern> modelPatterns;
    private final List<Operation> operations;
    private final List<Pattern> operationPatterns;
    private final List<Quota> quotas;
    private final @Nullable SpikeArrestRate spikeArrest;
    private final @Nullable String objective;
    private final @Nullable Integer defaultMaxTokens;
    private final QuotaIdentifier quotaIdentifier;
    private final @Nullable Integer priority;

    /** Creates a product; see the class comment for the matching rules. */
    public ApiProduct(String name, @Nullable String displayName, List<String> models, List<Operation> operations,
                      List<Quota> quotas, @Nullable SpikeArrestRate spikeArrest, @Nullable String objective,
                      @Nullable Integer defaultMaxTokens, QuotaIdentifier quotaIdentifier) {
        this(name, displayName, models, operations, quotas, spikeArrest, objective, defaultMaxTokens,
             quotaIdentifier, null);
    }

    /**
     * Creates a product with a scheduling {@code priority} (the endpoint picker's objective priority, for whichever
     * pool a request is routed to; negative is sheddable), or {@code null} to leave the request's priority alone.
     */
    public ApiProduct(String name, @Nullable String displayName, List<String> models, List<Operation> operations,
                      List<Quota> quotas, @Nullable SpikeArrestRate spikeArrest, @Nullable String objective,
                      @Nullable Integer defaultMaxTokens, QuotaIdentifier quotaIdentifier,
                      @Nullable Integer priority) {
        this.priority = priority;
        this.name = requireNonNull(name, "name");
        this.displayName = displayName;
        this.models = List.copyOf(models);
        modelPatterns = this.models.stream().map(ApiProduct::modelGlob).toList();
        this.operations = List.copyOf(operations);
        operationPatterns = this.operations.stream().map(o -> pathPattern(o.path())).toList();
        this.quotas = List.copyOf(quotas);
        this.spikeArrest = spikeArrest;
        this.objective = objective;
        if (defaultMaxTokens != null && defaultMaxTokens < 0) {
            throw new IllegalArgumentException("defaultMaxTokens: " + defaultMaxTokens + " (expected: >= 0)");
        }
        this.defaultMaxTokens = defaultMaxTokens;
        this.quotaIdentifier = requireNonNull(quotaIdentifier, "quotaIdentifier");
    }

    /** Returns the product of an {@code ApiProduct} resource. */
    public static ApiProduct of(Resource<ApiProductSpec> resource) {
        final ApiProductSpec spec = resource.spec();
        final List<Operation> operations = new ArrayList<>();
        for (ApiOperation o : spec.operations()) {
            operations.add(new Operation(o.path(), Set.copyOf(o.methods())));
        }
        final List<Quota> quotas = new ArrayList<>();
        for (ApiQuota q : spec.quotas()) {
            quotas.add(new Quota(Quota.Metric.ofConfigName(q.counts()), q.limit(), q.interval(),
                                 Quota.TimeUnit.ofConfigName(q.timeUnit()), Quota.Type.ofConfigName(q.type())));
        }
        return new ApiProduct(resource.metadata().name(), spec.displayName(), spec.models(), operations, quotas,
                              spec.spikeArrest() != null ? SpikeArrestRate.parse(spec.spikeArrest()) : null,
                              spec.objective(), spec.defaultMaxTokens(),
                              QuotaIdentifier.valueOf(spec.quotaIdentifier().toUpperCase(Locale.ROOT)),
                              spec.priority());
    }

    /** Returns whether the product covers {@code method} on {@code path} (without query). */
    public boolean allowsOperation(String path, String method) {
        if (operations.isEmpty()) {
            return true;
        }
        for (int i = 0; i < operations.size(); i++) {
            final Operation o = operations.get(i);
            if ((o.methods().isEmpty() || o.methods().contains(method)) &&
                operationPatterns.get(i).matcher(path).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether the product covers {@code model}; a request without a model is not limited by models. */
    public boolean allowsModel(@Nullable String model) {
        if (models.isEmpty() || model == null) {
            return true;
        }
        for (Pattern p : modelPatterns) {
            if (p.matcher(model).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether any quota counts tokens. */
    public boolean hasTokenQuotas() {
        return quotas.stream().anyMatch(q -> q.metric().isTokens());
    }

    public String name() {
        return name;
    }

    public @Nullable String displayName() {
        return displayName;
    }

    public List<String> models() {
        return models;
    }

    public List<Operation> operations() {
        return operations;
    }

    public List<Quota> quotas() {
        return quotas;
    }

    public @Nullable SpikeArrestRate spikeArrest() {
        return spikeArrest;
    }

    /** Returns the {@code InferenceObjective} the product's requests are sent with, or {@code null}. */
    public @Nullable String objective() {
        return objective;
    }

    /** Returns the scheduling priority of the product's requests, or {@code null} when it sets none. */
    public @Nullable Integer priority() {
        return priority;
    }

    /** Returns the output tokens reserved for a request without {@code max_tokens}, or {@code null} for the default. */
    public @Nullable Integer defaultMaxTokens() {
        return defaultMaxTokens;
    }

    public QuotaIdentifier quotaIdentifier() {
        return quotaIdentifier;
    }

    @Override
    public String toString() {
        return "ApiProduct{" + name + ", models=" + models + ", operations=" + operations + ", quotas=" + quotas +
               (spikeArrest != null ? ", spikeArrest=" + spikeArrest : "") +
               (objective != null ? ", objective=" + objective : "") +
               (priority != null ? ", priority=" + priority : "") + '}';
    }

    /** Compiles a model glob: {@code *} any characters, {@code ?} one, everything else literal. */
    static Pattern modelGlob(String glob) {
        final StringBuilder re = new StringBuilder();
        int literal = 0;
        for (int i = 0; i < glob.length(); i++) {
            final char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal < i) {
                    re.append(Pattern.quote(glob.substring(literal, i)));
                }
                re.append(c == '*' ? ".*" : ".");
                literal = i + 1;
            }
        }
        if (literal < glob.length()) {
            re.append(Pattern.quote(glob.substring(literal)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /**
     * Compiles an Apigee resource path: {@code /} alone and a trailing {@code /**} match the rest of any path below,
     * {@code *} matches one segment, anything else is literal.
     */
    static Pattern pathPattern(String path) {
        if ("/".equals(path) || "/**".equals(path)) {
            return Pattern.compile("/.*", Pattern.DOTALL);
        }
        String p = path;
        boolean rest = false;
        if (p.endsWith("/**")) {
            p = p.substring(0, p.length() - 3);
            rest = true;
        }
        final StringBuilder re = new StringBuilder();
        int literal = 0;
        for (int i = 0; i < p.length(); i++) {
            if (p.charAt(i) == '*') {
                if (literal < i) {
                    re.append(Pattern.quote(p.substring(literal, i)));
                }
                re.append("[^/]+");
                literal = i + 1;
            }
        }
        if (literal < p.length()) {
            re.append(Pattern.quote(p.substring(literal)));
        }
        if (rest) {
            re.append("(/.*)?");
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
