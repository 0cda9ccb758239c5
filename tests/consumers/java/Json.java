import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON reader, so that the consumer needs nothing but the JDK (no Maven, no Debian jar).
 *
 * Objects become LinkedHashMap (order kept, a repeated key is an error: a bank answer must not be ambiguous), arrays
 * ArrayList, strings String, true/false Boolean, null Json.NULL, and every number a BigDecimal built from its exact
 * text: amounts are checked and summed as decimals, never through a binary double.
 */
final class Json {
    /** JSON null, distinct from "absent" (Map.get returning null). */
    static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };

    private final String text;
    private int at;

    private Json(String text) { this.text = text; }

    static Object parse(String text) {
        Json p = new Json(text);
        p.space();
        Object value = p.value();
        p.space();
        if (p.at != text.length()) throw p.error("text after the JSON value");
        return value;
    }

    private IllegalArgumentException error(String what) {
        int from = Math.max(0, at - 20), to = Math.min(text.length(), at + 20);
        return new IllegalArgumentException("invalid JSON at offset " + at + ": " + what + " near '"
                + text.substring(from, to).replace('\n', ' ') + "'");
    }

    private void space() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            at++;
        }
    }

    private char peek() {
        if (at >= text.length()) throw error("unexpected end");
        return text.charAt(at);
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'");
        at++;
    }

    private Object value() {
        char c = peek();
        switch (c) {
            case '{': return object();
            case '[': return array();
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected character");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, at)) throw error("expected " + word);
        at += word.length();
        return value;
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> out = new LinkedHashMap<>();
        space();
        if (peek() == '}') { at++; return out; }
        while (true) {
            space();
            if (peek() != '"') throw error("expected a member name");
            String key = string();
            space();
            expect(':');
            space();
            if (out.containsKey(key)) throw error("member '" + key + "' appears twice");
            out.put(key, value());
            space();
            if (peek() == ',') { at++; continue; }
            expect('}');
            return out;
        }
    }

    private List<Object> array() {
        expect('[');
        List<Object> out = new ArrayList<>();
        space();
        if (peek() == ']') { at++; return out; }
        while (true) {
            space();
            out.add(value());
            space();
            if (peek() == ',') { at++; continue; }
            expect(']');
            return out;
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = peek();
            at++;
            if (c == '"') return out.toString();
            if (c < 0x20) throw error("control character in a string");
            if (c != '\\') { out.append(c); continue; }
            char e = peek();
            at++;
            switch (e) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u':
                    if (at + 4 > text.length()) throw error("short \\u escape");
                    try {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                    break;
                default: throw error("bad escape \\" + e);
            }
        }
    }

    private BigDecimal number() {
        int start = at;
        if (peek() == '-') at++;
        if (peek() == '0') at++;
        else digits();
        if (at < text.length() && text.charAt(at) == '.') { at++; digits(); }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            at++;
            if (peek() == '+' || peek() == '-') at++;
            digits();
        }
        return new BigDecimal(text.substring(start, at));
    }

    private void digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
        if (at == start) throw error("expected a digit");
    }

    /** The JSON text of a string, for building small documents (JWS header and claims). */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
