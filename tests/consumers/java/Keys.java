import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The consumer's key material, read with the JDK alone.
 *
 * - The RSA private key registered for the consumer (PKCS#8 PEM, "BEGIN PRIVATE KEY", as the sandbox ships
 *   sandbox/keys/consumer-<orgno>.pem): banks encrypt their answers to it, and it signs the client assertions unless
 *   an enterprise certificate does. PKCS#1 ("BEGIN RSA PRIVATE KEY") is refused with the openssl line that converts
 *   it, since the JDK has no reader for it.
 * - Optionally a certificate chain for an x5c assertion: PEM certificates for that same key (--cert), or, as Java
 *   clients usually hold a virksomhetssertifikat, a PKCS#12 keystore whose key entry (its own key and chain) then
 *   signs the assertions (--keystore, --keystore-password, --keystore-alias).
 */
final class Keys {
    /** Decrypts the banks' JWE answers (the key registered for the consumer). */
    final RSAPrivateCrtKey privateKey;
    /** Signs client assertions: privateKey, or the keystore entry's key. */
    final RSAPrivateKey signingKey;
    final BigInteger signingModulus, signingExponent;
    final List<X509Certificate> chain;

    private Keys(RSAPrivateCrtKey privateKey, RSAPrivateKey signingKey, RSAPublicKey signingPublic, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.signingKey = signingKey;
        this.signingModulus = signingPublic == null ? privateKey.getModulus() : signingPublic.getModulus();
        this.signingExponent = signingPublic == null ? privateKey.getPublicExponent() : signingPublic.getPublicExponent();
        this.chain = chain;
    }

    /** The signing key and chain of a PKCS#12 keystore's key entry (the only one, or `alias`). */
    static Keys withKeystore(Keys keys, Path keystore, char[] password, String alias) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password);
        }
        if (alias == null) {
            List<String> entries = new ArrayList<>();
            for (String a : Collections.list(store.aliases())) if (store.isKeyEntry(a)) entries.add(a);
            if (entries.size() != 1) {
                throw new IllegalArgumentException(keystore + " has key entries " + entries + ": name one with --keystore-alias");
            }
            alias = entries.get(0);
        }
        Key key = store.getKey(alias, password);
        Certificate[] chain = store.getCertificateChain(alias);
        if (!(key instanceof RSAPrivateKey) || chain == null || chain.length == 0) {
            throw new IllegalArgumentException(keystore + ": entry '" + alias + "' is not an RSA key with a certificate chain");
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate c : chain) certs.add((X509Certificate) c);
        return new Keys(keys.privateKey, (RSAPrivateKey) key, (RSAPublicKey) certs.get(0).getPublicKey(), certs);
    }

    static Keys load(Path keyFile, Path certFile) throws Exception {
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        if (pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalArgumentException(keyFile + " is PKCS#1; convert it: openssl pkcs8 -topk8 -nocrypt -in "
                    + keyFile + " -out key.pk8.pem");
        }
        byte[] der = pemBody(pem, "PRIVATE KEY", keyFile).get(0);
        Object key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        if (!(key instanceof RSAPrivateCrtKey)) {
            throw new IllegalArgumentException(keyFile + ": not an RSA private key with CRT parameters");
        }
        List<X509Certificate> chain = new ArrayList<>();
        if (certFile != null) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] cert : pemBody(Files.readString(certFile, StandardCharsets.US_ASCII), "CERTIFICATE", certFile)) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(cert)));
            }
            RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) key;
            BigInteger certModulus = ((RSAPublicKey) chain.get(0).getPublicKey()).getModulus();
            if (!certModulus.equals(rsa.getModulus())) {
                throw new IllegalArgumentException(certFile + ": the first certificate is not for the key " + keyFile);
            }
        }
        return new Keys((RSAPrivateCrtKey) key, (RSAPrivateCrtKey) key, null, chain);
    }

    private static List<byte[]> pemBody(String pem, String label, Path from) {
        List<byte[]> out = new ArrayList<>();
        String begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
        int at = 0;
        while ((at = pem.indexOf(begin, at)) >= 0) {
            int stop = pem.indexOf(end, at);
            if (stop < 0) throw new IllegalArgumentException(from + ": unterminated PEM block " + label);
            out.add(Base64.getMimeDecoder().decode(pem.substring(at + begin.length(), stop)));
            at = stop + end.length();
        }
        if (out.isEmpty()) throw new IllegalArgumentException(from + ": no PEM block '" + label + "'");
        return out;
    }

    /** RFC 7638 thumbprint of the decryption key: the `kid` the banks put in their JWE headers. */
    String thumbprint() throws Exception {
        return thumbprint(privateKey.getModulus(), privateKey.getPublicExponent());
    }

    /** RFC 7638 thumbprint of the signing key: the `kid` of a client assertion. */
    String signingThumbprint() throws Exception {
        return thumbprint(signingModulus, signingExponent);
    }

    private static String thumbprint(BigInteger n, BigInteger e) throws Exception {
        String jwk = "{\"e\":\"" + b64u(unsigned(e)) + "\",\"kty\":\"RSA\",\"n\":\"" + b64u(unsigned(n)) + "\"}";
        return b64u(MessageDigest.getInstance("SHA-256").digest(jwk.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The x5c header value: each certificate's DER, standard (not URL-safe) base64, leaf first (RFC 7515 §4.1.6). */
    List<String> x5c() throws Exception {
        List<String> out = new ArrayList<>();
        for (X509Certificate c : chain) out.add(Base64.getEncoder().encodeToString(c.getEncoded()));
        return out;
    }

    static String b64u(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A big-endian magnitude without the sign byte BigInteger adds (JWK members are unsigned). */
    static byte[] unsigned(BigInteger value) {
        byte[] b = value.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
