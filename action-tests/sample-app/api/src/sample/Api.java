package sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The product's API server, reduced to what a deploy needs to observe: GET /health answers 200
 * with the build's version. A build made with healthy=false starts but answers 503, which is how
 * the tests produce a release that must be rolled back.
 */
public final class Api {
  public static void main(String[] args) throws IOException {
    Properties build = new Properties();
    try (InputStream in = Api.class.getResourceAsStream("/build.properties")) {
      if (in != null) build.load(in);
    }
    String version = build.getProperty("version", "dev");
    boolean healthy = Boolean.parseBoolean(build.getProperty("healthy", "true"));
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String bind = System.getenv().getOrDefault("BIND_ADDRESS", "127.0.0.1");

    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    server.createContext("/health", exchange -> {
      if (healthy) {
        send(exchange, 200, "{\"status\":\"ok\",\"version\":\"" + version + "\"}");
      } else {
        send(exchange, 503, "{\"status\":\"failing\",\"version\":\"" + version + "\"}");
      }
    });
    server.createContext("/", exchange -> send(exchange, 404, "{\"error\":\"not found\"}"));
    server.start();
    System.out.println("sample-api " + version + " listening on " + bind + ":" + port + (healthy ? "" : " (unhealthy build)"));
    // A build made with stackTraceLines=N logs a long trace, as a failing Spring Boot app does.
    int traceLines = Integer.parseInt(build.getProperty("stackTraceLines", "0"));
    for (int i = 0; i < traceLines; i++) {
      System.out.println("\tat com.example.very.long.package.name.Service" + i + ".method(" + "Arguments".repeat(300) + ")");
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
