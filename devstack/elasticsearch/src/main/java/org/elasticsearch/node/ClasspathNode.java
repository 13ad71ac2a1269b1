package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * A real Elasticsearch node whose plugins come from the classpath (Maven artefacts) rather
 * than from a distribution's modules folder. NodeServiceProvider is package-private, hence
 * the package.
 */
public final class ClasspathNode extends Node {

    public ClasspathNode(Environment environment, Collection<Class<? extends Plugin>> pluginClasses) {
        super(NodeConstruction.prepareConstruction(environment, emptyLoader(), new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader loader) {
                return new ClasspathPluginsService(env.settings(), env.configDir(), loader, pluginClasses);
            }
        }, true));
    }

    private static PluginsLoader emptyLoader() {
        return PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false);
    }
}
