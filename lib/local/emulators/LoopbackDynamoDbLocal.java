// DynamoDB Local bound to 127.0.0.1 only. Its command line has no host option and it builds its
// Jetty server with `new Server(port)`, which listens on every interface; this launcher builds the
// server from the same command line, sets the host of its connector to loopback, and starts it.
// Compiled once with javac and kept (dynamodb-local.ts; Java's source-file mode where there is no
// javac), run with DynamoDBLocal.jar and its libraries on the class path. It fails loudly rather than fall back to every interface if the jar's internals move.
import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost("127.0.0.1");
    proxy.start();
    // The process that started this JVM writes nothing to its stdin, and however that process ends
    // (a test worker killed, a terminal closed) its end of the pipe closes: the JVM ends then too,
    // instead of living on with the port and the data. Node's exit handler cannot run on SIGKILL.
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (IOException ignored) {
        // A broken pipe is an ended parent too.
      }
      System.exit(0);
    }, "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }
}
