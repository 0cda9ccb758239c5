import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Access tokens with the jwt-bearer grant, as a production Java client gets them from Maskinporten: the issuer's
 * RFC 8414 metadata names the token endpoint; a client assertion is an RS256 JWS whose header carries `kid` (the
 * key registered with the client) or `x5c` (an enterprise certificate chain) and whose claims are `aud` = the issuer,
 * `iss` = the client id, `scope`, `resource` = the API's base URL (RFC 8707), `iat`, `exp` and a fresh `jti`.
 * One token per (scope, resource), reused while it has more than 15 s to live.
 */
final class Maskinporten {
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** What the header names the key by: `kid` (RFC 7638 thumbprint), `x5c` (certificate chain), or nothing. */
    enum KeyHint { KID, X5C, NONE }

    private final Http http;
    private final Keys keys;
    private final String clientId;
    private final KeyHint hint;
    final String issuer;
    final String tokenEndpoint;
    private final Map<String, String[]> cache = new HashMap<>(); // scope + " " + resource -> {token, expiry}
    int granted;

    @SuppressWarnings("unchecked")
    Maskinporten(Http http, String issuerUrl, String clientId, Keys keys, KeyHint hint) throws Exception {
        this.http = http;
        this.keys = keys;
        this.clientId = clientId;
        this.hint = hint;
        String wellKnown = issuerUrl.replaceAll("/+$", "") + "/.well-known/oauth-authorization-server";
        Map<String, Object> meta = Check.object(Json.parse(http.get(wellKnown, Map.of("Accept", "application/json")).body),
                "metadata " + wellKnown);
        this.issuer = Check.string(meta, "issuer", "metadata");
        this.tokenEndpoint = Check.string(meta, "token_endpoint", "metadata");
        List<Object> grants = (List<Object>) meta.get("grant_types_supported");
        if (grants == null || !grants.contains(JWT_BEARER)) {
            throw new Failure("the issuer " + issuer + " does not offer the jwt-bearer grant: " + grants);
        }
        if (hint == KeyHint.X5C && keys.chain.isEmpty()) throw new Failure("an x5c assertion needs --cert or --keystore");
    }

    String token(String scope, String resource) throws Exception {
        String[] hit = cache.get(scope + " " + resource);
        long now = System.currentTimeMillis() / 1000;
        if (hit != null && Long.parseLong(hit[1]) - 15 > now) return hit[0];
        String form = "grant_type=" + Http.encodeComponent(JWT_BEARER) + "&assertion=" + assertion(scope, resource, now);
        Map<String, Object> answer = Check.object(Json.parse(http.postForm(tokenEndpoint, form).body), "token answer");
        String token = Check.string(answer, "access_token", "token answer");
        if (!"Bearer".equals(answer.get("token_type"))) throw new Failure("token_type is not Bearer: " + answer.get("token_type"));
        if (!scope.equals(answer.get("scope"))) throw new Failure("asked for scope " + scope + ", got " + answer.get("scope"));
        long lifetime = Check.decimal(answer.get("expires_in"), "expires_in").longValueExact();
        if (lifetime <= 0) throw new Failure("expires_in must be positive: " + lifetime);
        cache.put(scope + " " + resource, new String[] {token, Long.toString(now + lifetime)});
        granted++;
        return token;
    }

    /** The client assertion: header.claims.signature, each base64url without padding (RFC 7515 compact form). */
    String assertion(String scope, String resource, long now) throws Exception {
        StringBuilder header = new StringBuilder("{\"alg\":\"RS256\"");
        if (hint == KeyHint.KID) header.append(",\"kid\":").append(Json.quote(keys.signingThumbprint()));
        if (hint == KeyHint.X5C) {
            header.append(",\"x5c\":[");
            List<String> chain = keys.x5c();
            for (int i = 0; i < chain.size(); i++) header.append(i == 0 ? "" : ",").append(Json.quote(chain.get(i)));
            header.append(']');
        }
        header.append('}');
        String claims = "{\"aud\":" + Json.quote(issuer) + ",\"iss\":" + Json.quote(clientId)
                + ",\"scope\":" + Json.quote(scope) + ",\"resource\":" + Json.quote(resource)
                + ",\"iat\":" + now + ",\"exp\":" + (now + 100) + ",\"jti\":" + Json.quote(UUID.randomUUID().toString()) + "}";
        String input = Keys.b64u(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + Keys.b64u(claims.getBytes(StandardCharsets.UTF_8));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(keys.signingKey);
        rs256.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Keys.b64u(rs256.sign());
    }
}
