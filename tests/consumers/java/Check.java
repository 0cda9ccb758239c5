import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Typed reads of a parsed JSON document that fail with the place and what was found instead. */
final class Check {
    private Check() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String where) {
        if (!(value instanceof Map)) throw new Failure(where + ": expected a JSON object, got " + brief(value));
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String where) {
        if (!(value instanceof List)) throw new Failure(where + ": expected a JSON array, got " + brief(value));
        return (List<Object>) value;
    }

    static String string(Map<String, Object> object, String member, String where) {
        Object value = object.get(member);
        if (!(value instanceof String) || ((String) value).isEmpty()) {
            throw new Failure(where + ": member '" + member + "' must be a non-empty string, got " + brief(value));
        }
        return (String) value;
    }

    static BigDecimal decimal(Object value, String where) {
        if (!(value instanceof BigDecimal)) throw new Failure(where + ": expected a number, got " + brief(value));
        return (BigDecimal) value;
    }

    static String brief(Object value) {
        if (value == null) return "nothing (absent)";
        String s = value instanceof String ? Json.quote((String) value) : String.valueOf(value);
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
