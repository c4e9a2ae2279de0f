package dev.sluice.apim.cli;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.App;
import dev.sluice.apim.store.KeyStore;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice apps create|list|approve|revoke|products}. */
@Command(name = "apps", mixinStandardHelpOptions = true,
         description = "Manages developers' apps, which hold keys and subscribe to API products.",
         subcommands = { AppsCommand.Create.class, AppsCommand.ListApps.class, AppsCommand.Approve.class,
                         AppsCommand.Revoke.class, AppsCommand.Products.class })
public final class AppsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public void run() {
        if (spec != null) {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    static Map<String, Object> json(App a) {
        return StoreOptions.fields("id", a.id(), "developerId", a.developerId(), "name", a.name(), "status",
                                   a.status().wireName(), "products", a.products(), "createdAt",
                                   a.createdAt().toString());
    }

    static void print(StoreOptions.StoreCommand c, List<App> apps) {
        if (c.options.json) {
            c.options.printJson(c.out(), apps.stream().map(AppsCommand::json).toList());
            return;
        }
        c.out().printf("%-22s %-9s %-22s %-20s %s%n", "ID", "STATUS", "DEVELOPER", "NAME", "PRODUCTS");
        for (App a : apps) {
            c.out().printf("%-22s %-9s %-22s %-20s %s%n", a.id(), a.status().wireName(), a.developerId(), a.name(),
                           String.join(",", a.products()));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates an approved app.")
    static final class Create extends StoreOptions.StoreCommand {
        @Option(names = "--developer", required = true, paramLabel = "ID_OR_EMAIL")
        String developer = "";

        @Option(names = "--name", required = true, description = "Unique among the developer's apps.")
        String name = "";

        @Option(names = "--products", paramLabel = "P1,P2",
                description = "ApiProduct names, in order of preference: a request uses the first that covers it.")
        @Nullable String products;

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.createApp(developer, name, StoreOptions.products(products))));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists apps.")
    static final class ListApps extends StoreOptions.StoreCommand {
        @Option(names = "--developer", paramLabel = "ID_OR_EMAIL", description = "Only this developer's apps.")
        @Nullable String developer;

        @Override
        void run(KeyStore store) {
            print(this, store.apps(developer));
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Lets an app's keys work again.")
    static final class Approve extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "APP_ID")
        String app = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setAppStatus(app, App.Status.APPROVED)));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
             description = "Stops every key of the app (invalid_client-app_not_approved).")
    static final class Revoke extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "APP_ID")
        String app = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setAppStatus(app, App.Status.REVOKED)));
        }
    }

    @Command(name = "products", mixinStandardHelpOptions = true, description = "Replaces an app's products.")
    static final class Products extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "APP_ID")
        String app = "";

        @Option(names = "--set", required = true, paramLabel = "P1,P2", description = "The new product list.")
        String products = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setAppProducts(app, StoreOptions.products(products))));
        }
    }
}
