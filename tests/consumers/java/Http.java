import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * java.net.http.HttpClient over HTTP/1.1 (no h2c upgrade attempt on plain http), counting requests. A non-2xx answer
 * is a Failure naming the URL, the status and the start of the body (the API's own error format says why).
 */
final class Http {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    int requests;

    static final class Answer {
        final int status;
        final String contentType;
        final String body;

        Answer(int status, String contentType, String body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }
    }

    Answer get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        headers.forEach(b::header);
        return send(b.build());
    }

    Answer postForm(String url, String form) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.US_ASCII)).build();
        return send(r);
    }

    private Answer send(HttpRequest request) throws Exception {
        requests++;
        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        String type = r.headers().firstValue("Content-Type").orElse("");
        Answer a = new Answer(r.statusCode(), type, new String(r.body(), StandardCharsets.UTF_8));
        if (a.status != 200) {
            String start = a.body.length() > 400 ? a.body.substring(0, 400) + "..." : a.body;
            throw new Failure(request.method() + " " + request.uri() + " answered " + a.status + ": " + start);
        }
        return a;
    }

    /** encodeURIComponent of UTF-8 text, as spec/protocol.md §3.4 asks for Legal-Mandate (and what forms need). */
    static String encodeComponent(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_.!~*'()".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
