package io.mediamon.devstack;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.ClasspathNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one Elasticsearch node for local development and CI: single-node discovery,
 * HTTP and transport on 127.0.0.1 only, data under the given home folder.
 *
 * Usage: LocalElasticsearch HOME HTTP_PORT TRANSPORT_PORT
 */
public final class LocalElasticsearch {

    private LocalElasticsearch() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LocalElasticsearch HOME HTTP_PORT TRANSPORT_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));

        Settings settings = Settings.builder()
            .put("cluster.name", "mediamon-local")
            .put("node.name", "mediamon-local-node")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("discovery.type", "single-node")
            // A developer's disk may be nearly full; a local node must not turn read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("http.max_content_length", "200mb")
            .build();

        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName("mediamon-local-node");
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(settings);

        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "mediamon-local-node");
        Node node = new ClasspathNode(environment, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "mediamon-es-shutdown"));
        node.start();
        System.out.println("mediamon local Elasticsearch started on http://127.0.0.1:" + args[1]);
        stopped.await();
    }
}
