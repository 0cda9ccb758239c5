import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bank answers checked against Bank_v2.yaml, as the constraints file schema_resource.py writes from it (bank-schema.tsv:
 * one constraint per line). Nothing about the banks' shapes is written here by hand: required members, enum values,
 * types, formats (dates parse as LocalDate / OffsetDateTime), patterns, lengths and minimums all come from the file.
 * Numbers are BigDecimal from their exact text (Json), so an amount parses as a decimal or not at all.
 */
final class BankSchema {
    private static final class Schema {
        String type;
        final List<String> required = new ArrayList<>();
        final Map<String, String> properties = new LinkedHashMap<>();
        String items;
        List<String> allowed;
        String format;
        Pattern pattern;
        Integer minLength, maxLength, minItems;
        BigDecimal minimum;
        boolean exclusiveMinimum;
    }

    private final Map<String, Schema> schemas = new HashMap<>();
    private final Map<String, String> responses = new LinkedHashMap<>();
    /** What was checked, for the summary: a check that never ran cannot pass unnoticed. */
    long enums, decimals, dates, objects;

    static BankSchema load(Path file) throws Exception {
        BankSchema out = new BankSchema();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            if (f[0].equals("response")) { out.responses.put(f[1], f[2]); continue; }
            Schema s = out.schemas.computeIfAbsent(f[1], k -> new Schema());
            switch (f[0]) {
                case "type": s.type = f[2]; break;
                case "required": s.required.add(f[2]); break;
                case "property": s.properties.put(f[2], f[3]); break;
                case "items": s.items = f[2]; break;
                case "enum": s.allowed = List.of(f).subList(2, f.length); break;
                case "format": s.format = f[2]; break;
                case "pattern": s.pattern = Pattern.compile(f[2]); break;
                case "minLength": s.minLength = Integer.valueOf(f[2]); break;
                case "maxLength": s.maxLength = Integer.valueOf(f[2]); break;
                case "minItems": s.minItems = Integer.valueOf(f[2]); break;
                case "minimum": s.minimum = new BigDecimal(f[2]); break;
                case "exclusiveMinimum": s.exclusiveMinimum = Boolean.parseBoolean(f[2]); break;
                default: throw new IllegalArgumentException(file + ": unknown constraint '" + f[0] + "' in: " + line);
            }
        }
        if (out.responses.isEmpty()) throw new IllegalArgumentException(file + " names no response schema");
        return out;
    }

    /** Check the 200 body of `path` (an OpenAPI path template, e.g. /accounts/{accountReference}/transactions). */
    void check(String path, Object body, String where) {
        String name = responses.get(path);
        if (name == null) throw new Failure("Bank_v2.yaml has no path " + path);
        List<String> problems = new ArrayList<>();
        check(name, body, "$", problems);
        if (!problems.isEmpty()) {
            throw new Failure(where + ": " + problems.size() + " violation(s) of Bank_v2.yaml, e.g. "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size()))));
        }
    }

    private void check(String name, Object value, String at, List<String> problems) {
        Schema s = schemas.get(name);
        if (s == null) { problems.add(at + ": schema " + name + " is not in the constraints file"); return; }
        if (s.type != null && !hasType(s.type, value)) {
            problems.add(at + ": expected " + s.type + " (" + name + "), got " + Check.brief(value));
            return;
        }
        if (value instanceof Map) {
            objects++;
            Map<?, ?> object = (Map<?, ?>) value;
            for (String member : s.required) {
                if (!object.containsKey(member)) problems.add(at + ": required member '" + member + "' is missing (" + name + ")");
            }
            for (Map.Entry<?, ?> e : object.entrySet()) {
                String sub = s.properties.get((String) e.getKey());
                if (sub != null) check(sub, e.getValue(), at + "." + e.getKey(), problems);
            }
        } else if (value instanceof List) {
            List<?> list = (List<?>) value;
            if (s.minItems != null && list.size() < s.minItems) problems.add(at + ": fewer than " + s.minItems + " items");
            for (int i = 0; s.items != null && i < list.size(); i++) check(s.items, list.get(i), at + "[" + i + "]", problems);
        } else if (value instanceof String) {
            scalar(s, name, (String) value, at, problems);
        } else if (value instanceof BigDecimal) {
            decimals++;
            BigDecimal n = (BigDecimal) value;
            if (s.minimum != null && (s.exclusiveMinimum ? n.compareTo(s.minimum) <= 0 : n.compareTo(s.minimum) < 0)) {
                problems.add(at + ": " + n.toPlainString() + " is below the minimum " + s.minimum + " (" + name + ")");
            }
        }
        if (s.allowed != null) {
            enums++;
            if (!s.allowed.contains(String.valueOf(value))) {
                problems.add(at + ": " + Check.brief(value) + " is not one of " + name + " " + s.allowed);
            }
        }
    }

    private void scalar(Schema s, String name, String text, String at, List<String> problems) {
        int length = text.codePointCount(0, text.length());
        if (s.minLength != null && length < s.minLength) problems.add(at + ": shorter than " + s.minLength + " (" + name + ")");
        if (s.maxLength != null && length > s.maxLength) problems.add(at + ": longer than " + s.maxLength + " (" + name + ")");
        if (s.pattern != null && !s.pattern.matcher(text).find()) {
            problems.add(at + ": " + Json.quote(text) + " does not match " + s.pattern + " (" + name + ")");
        }
        if (s.format == null) return;
        try {
            if (s.format.equals("date")) LocalDate.parse(text);
            else if (s.format.equals("date-time")) OffsetDateTime.parse(text);
            else { problems.add(at + ": unknown format " + s.format); return; }
            dates++;
        } catch (DateTimeParseException e) {
            problems.add(at + ": " + Json.quote(text) + " is not a " + s.format + " (" + name + ")");
        }
    }

    private static boolean hasType(String type, Object value) {
        switch (type) {
            case "object": return value instanceof Map;
            case "array": return value instanceof List;
            case "string": return value instanceof String;
            case "boolean": return value instanceof Boolean;
            case "number": return value instanceof BigDecimal;
            case "integer": return value instanceof BigDecimal && ((BigDecimal) value).stripTrailingZeros().scale() <= 0;
            default: return false;
        }
    }
}
