import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A DSOP Control Information consumer in plain Java (JDK 17, no library): one whole case, as an agency's production
 * client runs it against Maskinporten, the register (KAR), the API directory and each bank.
 *
 *   1. tokens with the jwt-bearer grant (Maskinporten.java), one per audience;
 *   2. the register's customerRelationships: the banks that knew the party in the period;
 *   3. the directory (the real directory's bare array of {orgNo, name, url, version}, or {"endpoints": [...]}): the
 *      banks' base URLs, which are also the tokens' audiences;
 *   4. per bank: /accounts (every page), then per delivered account its details, every page of transactions (links
 *      rel=next followed verbatim) and, when asked for, cards and roles; every answer asked as application/jose,
 *      decrypted (Jwe.java) and checked against Bank_v2.yaml (BankSchema.java);
 *   5. a summary whose last line is `SUMMARY {json}`. A refused call or a broken answer stops the case: exit 1.
 *
 * Configured only by options, each also readable from the environment as DSOP_<OPTION> (DSOP_CLIENT_ID, ...):
 *   --issuer URL --register URL --directory URL --client-id ID --schema bank-schema.tsv
 *   --key PEM            the consumer's registered key: decrypts the answers, signs assertions unless a keystore does
 *   --cert PEM | --keystore P12 --keystore-password PW [--keystore-alias A]   a certificate chain for x5c
 *   --key-hint kid|x5c|none   what the assertion's header names the key by (default: x5c with a certificate, else kid)
 *   --party ID --from YYYY-MM-DD --to YYYY-MM-DD --mandate TEXT (the service's legal basis, encoded here)
 *   [--register-mandate TEXT] (step 1's, when the service's page gives another one: Vergekontroll)
 *   [--only-primary-owner true|false] [--requester-id ID] [--endpoints accounts,details,transactions,cards,roles]
 *   [--reference-type srf|pol1 --reference-id ID]   AdditionalReferenceIDType / AdditionalReferenceID of step 2
 */
public final class DsopConsumer {
    static final String SCOPE_REGISTER = "bits:kundeforhold", SCOPE_BANK = "bits:kontoinformasjon";
    static final String NOT_DELIVERED = "dataNotDelivered";
    static final int MAX_PAGES = 10_000;
    static final String[] OPTIONS = {"issuer", "register", "directory", "client-id", "schema", "key", "cert", "keystore",
        "keystore-password", "keystore-alias", "key-hint", "party", "from", "to", "mandate", "register-mandate",
        "only-primary-owner", "requester-id", "reference-type", "reference-id", "endpoints"};
    static final String[] REQUIRED = {"issuer", "register", "directory", "client-id", "schema", "key", "party", "from",
        "to", "mandate"};

    private final Map<String, String> opt;
    private final Http http = new Http();
    private final String caseId = UUID.randomUUID().toString();
    private final String period;
    private final Set<String> endpoints;
    private Maskinporten maskinporten;
    private Jwe jwe;
    private BankSchema schema;
    private final Map<String, Long> count = new LinkedHashMap<>();
    private BigDecimal bookedBalances = BigDecimal.ZERO, bookedTransactions = BigDecimal.ZERO;
    /** Partial answers, once per list and message (every page of a list repeats its message). */
    private final Set<String> partial = new HashSet<>();

    private DsopConsumer(Map<String, String> opt) {
        this.opt = opt;
        this.period = "fromDate=" + opt.get("from") + "&toDate=" + opt.get("to");
        this.endpoints = Set.of(opt.get("endpoints").split(","));
        for (String k : new String[] {"banks", "banksNotInDirectory", "accounts", "accountsNotDelivered", "accountPages",
                "details", "transactions", "transactionPages", "cards", "roles"}) {
            count.put(k, 0L);
        }
    }

    public static void main(String[] args) {
        Map<String, String> opt;
        try {
            opt = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("usage error: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new DsopConsumer(opt).run();
        } catch (Failure e) {
            System.err.println("FAILED: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length || !List.of(OPTIONS).contains(args[i].substring(2))) {
                throw new IllegalArgumentException("expected one of --" + String.join(" --", OPTIONS) + " and a value at "
                        + args[i]);
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        for (String name : OPTIONS) {
            String env = System.getenv(envName(name));
            if (!out.containsKey(name) && env != null) out.put(name, env);
        }
        out.putIfAbsent("key-hint", out.containsKey("cert") || out.containsKey("keystore") ? "x5c" : "kid");
        out.putIfAbsent("only-primary-owner", "false");
        out.putIfAbsent("endpoints", "accounts,details,transactions,cards,roles");
        for (String name : REQUIRED) {
            if (!out.containsKey(name)) {
                throw new IllegalArgumentException("--" + name + " (or " + envName(name) + ") is required");
            }
        }
        return out;
    }

    private static String envName(String option) {
        return "DSOP_" + option.toUpperCase().replace('-', '_');
    }

    private void run() throws Exception {
        long started = System.nanoTime();
        Keys keys = Keys.load(Path.of(opt.get("key")), opt.containsKey("cert") ? Path.of(opt.get("cert")) : null);
        if (opt.containsKey("keystore")) {
            keys = Keys.withKeystore(keys, Path.of(opt.get("keystore")),
                    opt.getOrDefault("keystore-password", "").toCharArray(), opt.get("keystore-alias"));
        }
        jwe = new Jwe(keys);
        schema = BankSchema.load(Path.of(opt.get("schema")));
        maskinporten = new Maskinporten(http, opt.get("issuer"), opt.get("client-id"), keys,
                Maskinporten.KeyHint.valueOf(opt.get("key-hint").toUpperCase()));
        say("case " + caseId + ": party " + opt.get("party") + ", " + opt.get("from") + ".." + opt.get("to")
                + ", OnlyPrimaryOwner=" + opt.get("only-primary-owner") + ", client " + opt.get("client-id")
                + " (assertion names its key by " + opt.get("key-hint") + ")");

        List<Map<String, Object>> banks = customerRelationships();
        Map<String, String> directory = banks.isEmpty() ? Map.of() : directory();
        for (Map<String, Object> bank : banks) {
            String org = (String) bank.get("organizationID"), url = directory.get(org);
            add("banks", 1);
            if (url == null) {
                add("banksNotInDirectory", 1);
                say(bank.get("bankName") + " (" + org + "): not in the API directory (ask it by letter)");
                continue;
            }
            bank(org, (String) bank.get("bankName"), url);
        }
        say("done: " + count.get("banks") + " bank(s), " + count.get("accounts") + " account(s), "
                + count.get("transactions") + " transaction(s); " + jwe.decrypted + " JWE answers decrypted, "
                + schema.enums + " enum values, " + schema.decimals + " numbers and " + schema.dates + " dates checked");
        Map<String, Object> summary = new LinkedHashMap<>(count);
        summary.put("partial", partial.size());
        summary.put("bookedBalanceSum", bookedBalances.toPlainString());
        summary.put("bookedTransactionSum", bookedTransactions.toPlainString());
        summary.put("tokens", maskinporten.granted);
        summary.put("decrypted", jwe.decrypted);
        summary.put("enumValuesChecked", schema.enums);
        summary.put("decimalsChecked", schema.decimals);
        summary.put("datesChecked", schema.dates);
        summary.put("requests", http.requests);
        summary.put("millis", (System.nanoTime() - started) / 1_000_000);
        StringBuilder json = new StringBuilder();
        summary.forEach((k, v) -> json.append(json.length() == 0 ? "{" : ",").append(Json.quote(k)).append(':')
                .append(v instanceof String ? Json.quote((String) v) : String.valueOf(v)));
        System.out.println("SUMMARY " + json.append('}'));
    }

    // ---- the register -----------------------------------------------------------------------------------------
    private List<Map<String, Object>> customerRelationships() throws Exception {
        String register = opt.get("register").replaceAll("/+$", "");
        Map<String, String> h = headers(maskinporten.token(SCOPE_REGISTER, register), "application/json",
                opt.getOrDefault("register-mandate", opt.get("mandate")));
        h.put("CustomerID", opt.get("party"));
        String url = register + "/customers/customerRelationships?" + period + "&onlyPrimaryOwner="
                + opt.get("only-primary-owner");
        Map<String, Object> body = Check.object(Json.parse(http.get(url, h).body), "customerRelationships");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : Check.list(body.get("banks"), "customerRelationships.banks")) {
            Map<String, Object> bank = Check.object(o, "customerRelationships.banks[]");
            String org = Check.string(bank, "organizationID", "customerRelationships.banks[]");
            if (!org.matches("[0-9]{9}")) {
                throw new Failure("customerRelationships: organizationID " + org + " is not 9 digits");
            }
            Check.string(bank, "bankName", "customerRelationships.banks[" + org + "]");
            if (!(bank.get("activeAccount") instanceof Boolean)) {
                throw new Failure("customerRelationships.banks[" + org + "].activeAccount must be true or false");
            }
            out.add(bank);
        }
        say("register: " + out.size() + " bank(s)");
        return out;
    }

    // ---- the directory ----------------------------------------------------------------------------------------
    /** orgNo -> base URL. A `v1` entry (any letter case) is skipped as the real consumers skip it (plugin-banking:
     *  `RemoveAll(p => p.Version.ToUpper() == "V1")`, only v2 has OnlyPrimaryOwner); a bank listed twice is an error. */
    private Map<String, String> directory() throws Exception {
        Object body = Json.parse(http.get(opt.get("directory"), Map.of("Accept", "application/json")).body);
        List<Object> entries = body instanceof List ? Check.list(body, "directory")
                : Check.list(Check.object(body, "directory").get("endpoints"), "directory.endpoints");
        Map<String, String> out = new LinkedHashMap<>();
        int v1 = 0;
        for (Object o : entries) {
            Map<String, Object> e = Check.object(o, "directory entry");
            String org = Check.string(e, "orgNo", "directory entry");
            String url = Check.string(e, "url", "directory entry " + org);
            Check.string(e, "name", "directory entry " + org);
            if (Check.string(e, "version", "directory entry " + org).equalsIgnoreCase("v1")) {
                v1++;
                continue;
            }
            if (!org.matches("[0-9]{9}") || !url.matches("https?://.+")) {
                throw new Failure("directory entry " + e + " is malformed");
            }
            if (out.put(org, url.replaceAll("/+$", "")) != null) throw new Failure("directory lists " + org + " twice");
        }
        String shape = body instanceof List ? "bare array" : "{\"endpoints\": [...]}";
        say("directory: " + out.size() + " bank(s) (" + shape + (v1 > 0 ? "; " + v1 + " v1 entry(ies) skipped" : "") + ")");
        return out;
    }

    // ---- a bank -----------------------------------------------------------------------------------------------
    private void bank(String org, String name, String base) throws Exception {
        String token = maskinporten.token(SCOPE_BANK, base);
        List<Map<String, Object>> accounts = new ArrayList<>();
        String first = "/accounts?" + period + "&OnlyPrimaryOwner=" + opt.get("only-primary-owner");
        for (Map<String, Object> page : pages(base, first, "/accounts", token, name + " accounts", true)) {
            add("accountPages", 1);
            for (Object a : Check.list(page.getOrDefault("accounts", List.of()), name + " accounts")) {
                accounts.add(Check.object(a, name + " account"));
            }
        }
        add("accounts", accounts.size());
        say(name + " (" + org + "): " + accounts.size() + " account(s)");
        for (Map<String, Object> account : accounts) {
            if (NOT_DELIVERED.equals(account.get("accountReference"))) {
                add("accountsNotDelivered", 1);
                say("  " + name + " " + account.get("accountIdentifier") + ": dataNotDelivered");
                continue;
            }
            account(base, name, token, (String) account.get("accountReference"), (String) account.get("accountIdentifier"));
        }
    }

    private void account(String base, String bank, String token, String ref, String number) throws Exception {
        String at = "/accounts/" + Http.encodeComponent(ref), label = bank + " " + number;
        StringBuilder line = new StringBuilder("  " + label + ":");
        if (endpoints.contains("details")) {
            Map<String, Object> body = call(base, at + "?" + period, "/accounts/{accountReference}", token,
                    label + " details", 0, false);
            Map<String, Object> acc = Check.object(body.get("account"), label + " details.account");
            if (!ref.equals(acc.get("accountReference")) || !number.equals(acc.get("accountIdentifier"))) {
                throw new Failure(label + " details: the answer is about " + acc.get("accountIdentifier") + " / "
                        + acc.get("accountReference"));
            }
            for (Object b : Check.list(acc.getOrDefault("balances", List.of()), label + " balances")) {
                Map<String, Object> balance = Check.object(b, label + " balance");
                if ("bookedBalance".equals(balance.get("type"))) {
                    BigDecimal booked = signed(balance, label + " bookedBalance");
                    bookedBalances = bookedBalances.add(booked);
                    line.append(" booked balance ").append(booked.toPlainString()).append(',');
                }
            }
            add("details", 1);
        }
        if (endpoints.contains("transactions")) {
            Set<String> ids = new HashSet<>();
            int pages = 0;
            for (Map<String, Object> page : pages(base, at + "/transactions?" + period,
                    "/accounts/{accountReference}/transactions", token, label + " transactions", false)) {
                pages++;
                for (Object t : Check.list(page.getOrDefault("transactions", List.of()), label + " transactions")) {
                    Map<String, Object> tx = Check.object(t, label + " transaction");
                    if (!ids.add((String) tx.get("transactionIdentifier"))) {
                        throw new Failure(label + ": transaction " + tx.get("transactionIdentifier")
                                + " delivered twice (paging?)");
                    }
                    Object status = tx.getOrDefault("status", "booked");
                    if ("booked".equals(status) && tx.containsKey("amount")) {
                        bookedTransactions = bookedTransactions.add(signed(tx, label + " transaction"));
                    }
                }
            }
            add("transactionPages", pages);
            add("transactions", ids.size());
            line.append(' ').append(ids.size()).append(" transaction(s) in ").append(pages).append(" page(s),");
        }
        for (String[] e : new String[][] {{"cards", "paymentCards"}, {"roles", "roles"}}) {
            if (!endpoints.contains(e[0])) continue;
            Map<String, Object> body = call(base, at + "/" + e[0] + "?" + period, "/accounts/{accountReference}/" + e[0],
                    token, label + " " + e[0], 0, false);
            int n = Check.list(body.getOrDefault(e[1], List.of()), label + " " + e[0]).size();
            add(e[0], n);
            line.append(' ').append(n).append(' ').append(e[0]).append(',');
        }
        say(line.substring(0, line.length() - 1));
    }

    /** Every page of a list: the first URL, then each links[rel=next].href verbatim (relative to the bank's base URL). */
    private List<Map<String, Object>> pages(String base, String first, String template, String token, String list,
                                            boolean party) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String next = first; next != null; ) {
            if (!seen.add(next) || out.size() >= MAX_PAGES) throw new Failure(list + ": the next links go round at " + next);
            Map<String, Object> page = call(base, next, template, token, list, out.size() + 1, party);
            out.add(page);
            next = null;
            for (Object l : Check.list(page.getOrDefault("links", List.of()), list + " links")) {
                Map<String, Object> link = Check.object(l, list + " link");
                if (!"next".equals(link.get("rel"))) continue;
                if (next != null) throw new Failure(list + " page " + out.size() + ": two next links");
                next = (String) link.get("href");
            }
        }
        return out;
    }

    /** One bank call, asked as application/jose: decrypted, parsed and checked against Bank_v2.yaml's `template`
     *  path. `target`: the path below the bank's base URL (or an absolute URL); `page`: its number in a list, or 0. */
    private Map<String, Object> call(String base, String target, String template, String token, String list, int page,
                                     boolean party) throws Exception {
        String what = page == 0 ? list : list + " page " + page;
        Map<String, String> h = headers(token, "application/jose", opt.get("mandate"));
        if (party) h.put("PartyID", opt.get("party"));
        if (opt.containsKey("reference-type")) {
            h.put("AdditionalReferenceIDType", opt.get("reference-type"));
            h.put("AdditionalReferenceID", Http.encodeComponent(opt.getOrDefault("reference-id", "")));
        }
        Http.Answer a = http.get(target.matches("https?://.*") ? target : base + target, h);
        if (!a.contentType.startsWith("application/jose")) {
            throw new Failure(what + ": asked for application/jose, got " + a.contentType);
        }
        Object body = Json.parse(jwe.decrypt(a.body, what));
        schema.check(template, body, what);
        Map<String, Object> answer = Check.object(body, what);
        Map<String, Object> details = Check.object(answer.get("responseDetails"), what + " responseDetails");
        if ("partial".equals(details.get("status")) && partial.add(list + "\n" + details.get("message"))) {
            say("  " + list + ": partial: " + details.get("message"));
        }
        return answer;
    }

    private Map<String, String> headers(String token, String accept, String mandate) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Bearer " + token);
        h.put("Accept", accept);
        h.put("AccountInfoRequestID", caseId);
        h.put("CorrelationID", UUID.randomUUID().toString());
        h.put("Legal-Mandate", Http.encodeComponent(mandate));
        if (opt.containsKey("requester-id")) h.put("RequesterID", opt.get("requester-id"));
        return h;
    }

    /** An amount with its sign from creditDebitIndicator (amounts are sent positive: Bank_v2.yaml minimum 0). */
    private static BigDecimal signed(Map<String, Object> item, String where) {
        BigDecimal amount = Check.decimal(item.get("amount"), where + " amount");
        Object side = item.get("creditDebitIndicator");
        if ("credit".equals(side)) return amount;
        if ("debit".equals(side)) return amount.negate();
        throw new Failure(where + ": creditDebitIndicator must be credit or debit, got " + Check.brief(side));
    }

    private void add(String key, long n) {
        count.merge(key, n, Long::sum);
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
