package dev.sluice.apim;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.ApiProductSpec;
import dev.sluice.config.Resources.Resource;

/** API products by name. */
public final class ProductCatalog {

    private static final ProductCatalog EMPTY = new ProductCatalog(Map.of());

    private final Map<String, ApiProduct> products;

    private ProductCatalog(Map<String, ApiProduct> products) {
        this.products = products;
    }

    /** Returns a catalog of {@code products}; a later product replaces an earlier one of the same name. */
    public static ProductCatalog of(Collection<ApiProduct> products) {
        final Map<String, ApiProduct> map = new LinkedHashMap<>();
        products.forEach(p -> map.put(p.name(), p));
        return new ProductCatalog(Map.copyOf(map));
    }

    /** Returns a catalog with no products. */
    public static ProductCatalog empty() {
        return EMPTY;
    }

    /**
     * Returns a supplier of the {@code ApiProduct} resources of whatever configuration {@code config} returns now,
     * converted once per configuration.
     */
    public static Supplier<ProductCatalog> fromConfig(Supplier<@Nullable GatewayConfig> config) {
        return new Supplier<>() {
            private volatile @Nullable List<Resource<ApiProductSpec>> source;
            private volatile ProductCatalog catalog = EMPTY;

            @Override
            public ProductCatalog get() {
                final GatewayConfig c = config.get();
                if (c == null) {
                    return EMPTY;
                }
                final List<Resource<ApiProductSpec>> resources = c.apiProducts();
                if (resources != source) {
                    catalog = of(resources.stream().map(ApiProduct::of).toList());
                    source = resources;
                }
                return catalog;
            }
        };
    }

    /** Returns the product named {@code name}, or {@code null}. */
    public @Nullable ApiProduct get(String name) {
        return products.get(name);
    }

    /** Returns every product. */
    public Collection<ApiProduct> all() {
        return products.values();
    }
}
