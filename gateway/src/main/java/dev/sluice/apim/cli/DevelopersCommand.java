package dev.sluice.apim.cli;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.Developer;
import dev.sluice.apim.store.KeyStore;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice developers create|list|activate|deactivate}. */
@Command(name = "developers", mixinStandardHelpOptions = true,
         description = "Manages developers, who own apps (API management).",
         subcommands = { DevelopersCommand.Create.class, DevelopersCommand.ListDevelopers.class,
                         DevelopersCommand.Activate.class, DevelopersCommand.Deactivate.class })
public final class DevelopersCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public void run() {
        if (spec != null) {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    static Map<String, Object> json(Developer d) {
        return StoreOptions.fields("id", d.id(), "email", d.email(), "firstName", d.firstName(), "lastName",
                                   d.lastName(), "status", d.status().wireName(), "createdAt",
                                   d.createdAt().toString());
    }

    static void print(StoreOptions.StoreCommand c, List<Developer> developers) {
        if (c.options.json) {
            c.options.printJson(c.out(), developers.stream().map(DevelopersCommand::json).toList());
            return;
        }
        c.out().printf("%-22s %-9s %-30s %s%n", "ID", "STATUS", "EMAIL", "NAME");
        for (Developer d : developers) {
            final String name = ((d.firstName() != null ? d.firstName() : "") + ' ' +
                                 (d.lastName() != null ? d.lastName() : "")).strip();
            c.out().printf("%-22s %-9s %-30s %s%n", d.id(), d.status().wireName(), d.email(), name);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates an active developer.")
    static final class Create extends StoreOptions.StoreCommand {
        @Option(names = "--email", required = true, description = "The developer's email (unique).")
        String email = "";

        @Option(names = "--first-name")
        @Nullable String firstName;

        @Option(names = "--last-name")
        @Nullable String lastName;

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.createDeveloper(email, firstName, lastName)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists developers.")
    static final class ListDevelopers extends StoreOptions.StoreCommand {
        @Override
        void run(KeyStore store) {
            print(this, store.developers());
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Lets a developer's keys work.")
    static final class Activate extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "ID_OR_EMAIL")
        String developer = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setDeveloperStatus(developer, Developer.Status.ACTIVE)));
        }
    }

    @Command(name = "deactivate", mixinStandardHelpOptions = true,
             description = "Stops every key of the developer's apps (DeveloperStatusNotActive).")
    static final class Deactivate extends StoreOptions.StoreCommand {
        @Parameters(paramLabel = "ID_OR_EMAIL")
        String developer = "";

        @Override
        void run(KeyStore store) {
            print(this, List.of(store.setDeveloperStatus(developer, Developer.Status.INACTIVE)));
        }
    }
}
