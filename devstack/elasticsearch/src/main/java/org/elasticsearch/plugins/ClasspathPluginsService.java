package org.elasticsearch.plugins;

import org.elasticsearch.common.settings.Settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A plugins service whose plugins are classes already on the classpath, instead of bundles
 * unpacked under ES_HOME/modules. It lives in this package because LoadedPlugin and
 * loadPlugin are package-private; the Elasticsearch test framework's MockPluginsService
 * does the same.
 */
public final class ClasspathPluginsService extends PluginsService {

    private final Settings settings;
    private final Path configDir;
    private final Collection<Class<? extends Plugin>> pluginClasses;
    // Filled lazily: the superclass constructor may already ask for plugins().
    private List<LoadedPlugin> loaded;

    public ClasspathPluginsService(
        Settings settings,
        Path configDir,
        PluginsLoader emptyLoader,
        Collection<Class<? extends Plugin>> pluginClasses
    ) {
        super(settings, configDir, emptyLoader);
        this.settings = settings;
        this.configDir = configDir;
        this.pluginClasses = pluginClasses;
    }

    @Override
    protected synchronized List<LoadedPlugin> plugins() {
        if (loaded == null) {
            List<LoadedPlugin> plugins = new ArrayList<>();
            for (Class<? extends Plugin> pluginClass : pluginClasses) {
                PluginDescriptor descriptor = new PluginDescriptor(
                    pluginClass.getName(),
                    "classpath plugin " + pluginClass.getSimpleName(),
                    "NA",
                    "NA",
                    "17",
                    pluginClass.getName(),
                    null,
                    List.of(),
                    false,
                    false,
                    false,
                    false
                );
                Plugin instance = loadPlugin(pluginClass, settings, configDir);
                plugins.add(new LoadedPlugin(descriptor, instance, pluginClass.getClassLoader()));
            }
            loaded = List.copyOf(plugins);
        }
        return loaded;
    }
}
