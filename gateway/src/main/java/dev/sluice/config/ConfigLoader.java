package dev.sluice.config;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import dev.sluice.config.ResourceBinder.Bound;
import dev.sluice.config.Resources.ApiProductSpec;
import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.ConfigMapSpec;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.InferenceModelRewriteSpec;
import dev.sluice.config.Resources.InferenceObjectiveSpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Location;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.config.Resources.TrafficExtensionSpec;

/**
 * Loads and validates configuration from a YAML file or a folder of YAML files.
 *
 * <p>A folder contributes every {@code *.yaml} and {@code *.yml} file directly in it, sorted by name, following
 * symbolic links and skipping names that start with a dot (which also skips the {@code ..data} entries of a
 * Kubernetes ConfigMap mount). Each file may hold several documents separated by {@code ---}. Every document is a
 * Kubernetes-style resource ({@code apiVersion}, {@code kind}, {@code metadata}, {@code spec}) of a kind listed in
 * {@link Resources}; validation is strict and reports every problem it finds, each with its file, line, resource
 * and field.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    /**
     * Loads the configuration in a file or folder.
     *
     * @param fileOrDir a YAML file or a folder of them; messages name files by this path, relative if it is
     * @param knownExtensionServices the names a {@code TrafficExtension} extension may use as {@code service}
     * @throws ConfigException if anything is wrong; it lists every problem found
     */
    public static GatewayConfig load(Path fileOrDir, Set<String> knownExtensionServices) throws ConfigException {
        requireNonNull(fileOrDir, "fileOrDir");
        requireNonNull(knownExtensionServices, "knownExtensionServices");
        final List<ConfigProblem> problems = new ArrayList<>();
        final List<Path> files = files(fileOrDir, problems);
        final ResourceBinder binder = new ResourceBinder(knownExtensionServices);
        for (Path file : files) {
            readFile(file, binder, problems);
        }
        binder.crossCheck();
        if (problems.isEmpty() && binder.bound().isEmpty()) {
            // Almost always a mistake, or a file caught half-written by a non-atomic save; either way serving
            // nothing would be worse than keeping the previous configuration.
            problems.add(new ConfigProblem(new Location(fileOrDir.toString(), 0), null, null,
                                           "no resources (expected: at least one resource, such as a Gateway " +
                                           "or an InferencePool)"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(sorted(problems, files));
        }
        return snapshot(fileOrDir, binder.bound());
    }

    /** Lists the YAML files to read, or reports why there are none. */
    private static List<Path> files(Path fileOrDir, List<ConfigProblem> problems) {
        final Location here = new Location(fileOrDir.toString(), 0);
        if (!Files.exists(fileOrDir)) {
            problems.add(new ConfigProblem(here, null, null,
                                           "does not exist (expected: a YAML file or a folder of YAML files)"));
            return List.of();
        }
        if (!Files.isDirectory(fileOrDir)) {
            return List.of(fileOrDir);
        }
        final List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fileOrDir)) {
            for (Path entry : entries) {
                final String name = entry.getFileName().toString();
                // Dot-files are editor backups and the ..data / ..2024_01_01 entries of a ConfigMap mount,
                // whose files are also reachable through the symbolic links next to them.
                if (name.startsWith(".") || !(name.endsWith(".yaml") || name.endsWith(".yml"))) {
                    continue;
                }
                // isRegularFile follows symbolic links, as ConfigMap mounts need.
                if (Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (IOException e) {
            problems.add(new ConfigProblem(here, null, null, "cannot list the folder: " + e));
            return List.of();
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        if (files.isEmpty()) {
            problems.add(new ConfigProblem(here, null, null,
                                           "no configuration (expected: *.yaml or *.yml files in this folder)"));
        }
        return files;
    }

    private static void readFile(Path file, ResourceBinder binder, List<ConfigProblem> problems) {
        final String display = file.toString();
        final String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            problems.add(new ConfigProblem(new Location(display, 0), null, null,
                                           "not valid UTF-8 (expected: a UTF-8 YAML file)"));
            return;
        } catch (IOException e) {
            // The file may have been removed between listing and reading, as happens while a watcher reloads.
            problems.add(new ConfigProblem(new Location(display, 0), null, null, "cannot read: " + e));
            return;
        }
        final Path baseDir = file.toAbsolutePath().normalize().getParent();
        // The YAML 1.2 core schema types 80 as an int, true as a bool and ~ as null, as Kubernetes users expect.
        final LoadSettings settings = LoadSettings.builder().setLabel(display).setSchema(new CoreSchema()).build();
        try {
            for (Node root : new Compose(settings).composeAllFromString(text)) {
                final YamlDocument doc = new YamlDocument(display, baseDir, problems);
                if (YamlDocument.isNull(root)) {
                    continue; // an empty document, such as one after a trailing ---
                }
                binder.bind(doc, root);
            }
        } catch (MarkedYamlEngineException e) {
            final int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
            problems.add(new ConfigProblem(new Location(display, line), null, null,
                                           "invalid YAML: " + yamlMessage(e)));
        } catch (YamlEngineException e) {
            problems.add(new ConfigProblem(new Location(display, 0), null, null,
                                           "invalid YAML: " + firstLine(e.getMessage())));
        }
    }

    private static String yamlMessage(MarkedYamlEngineException e) {
        final String context = e.getContext();
        final String problem = e.getProblem();
        if (context == null || context.isEmpty()) {
            return firstLine(problem);
        }
        return firstLine(context) + ": " + firstLine(problem);
    }

    private static String firstLine(@Nullable String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").strip();
    }

    /** Orders problems by file (in reading order), then line; problems on one line keep their order. */
    private static List<ConfigProblem> sorted(List<ConfigProblem> problems, List<Path> files) {
        final Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            order.put(files.get(i).toString(), i);
        }
        final List<ConfigProblem> result = new ArrayList<>(problems);
        result.sort(Comparator.<ConfigProblem>comparingInt(p -> order.getOrDefault(p.location().file(), -1))
                              .thenComparingInt(p -> p.location().line()));
        return result;
    }

    @SuppressWarnings("unchecked")
    private static GatewayConfig snapshot(Path source, List<Bound> bound) {
        final Map<String, List<Resource<?>>> byKind = new HashMap<>();
        for (Bound b : bound) {
            byKind.computeIfAbsent(b.resource().kind(), k -> new ArrayList<>()).add(b.resource());
        }
        return new GatewayConfig(
                source,
                (List<Resource<GatewaySpec>>) (List<?>) of(byKind, ResourceBinder.GATEWAY),
                (List<Resource<HttpRouteSpec>>) (List<?>) of(byKind, ResourceBinder.HTTP_ROUTE),
                (List<Resource<InferencePoolSpec>>) (List<?>) of(byKind, ResourceBinder.INFERENCE_POOL),
                (List<Resource<ModelServerSpec>>) (List<?>) of(byKind, ResourceBinder.MODEL_SERVER),
                (List<Resource<InferenceObjectiveSpec>>) (List<?>) of(byKind, ResourceBinder.INFERENCE_OBJECTIVE),
                (List<Resource<InferenceModelRewriteSpec>>) (List<?>)
                        of(byKind, ResourceBinder.INFERENCE_MODEL_REWRITE),
                (List<Resource<TrafficExtensionSpec>>) (List<?>) of(byKind, ResourceBinder.TRAFFIC_EXTENSION),
                (List<Resource<BackendPolicySpec>>) (List<?>) of(byKind, ResourceBinder.BACKEND_POLICY),
                (List<Resource<ConfigMapSpec>>) (List<?>) of(byKind, ResourceBinder.CONFIG_MAP),
                (List<Resource<ApiProductSpec>>) (List<?>) of(byKind, ResourceBinder.API_PRODUCT),
                (List<Resource<SafetyTemplateSpec>>) (List<?>) of(byKind, ResourceBinder.SAFETY_TEMPLATE));
    }

    private static List<Resource<?>> of(Map<String, List<Resource<?>>> byKind, String kind) {
        return byKind.getOrDefault(kind, List.of());
    }
}
