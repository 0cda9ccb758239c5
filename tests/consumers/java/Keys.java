import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The consumer's key material, read with the JDK alone: its RSA private key (PKCS#8 PEM, "BEGIN PRIVATE KEY", as
 * the sandbox ships sandbox/keys/consumer-<orgno>.pem) and, optionally, its certificate chain (PEM) for an x5c
 * client assertion. PKCS#1 ("BEGIN RSA PRIVATE KEY") is refused with the openssl line that converts it, since the
 * JDK has no reader for it.
 */
final class Keys {
    final RSAPrivateCrtKey privateKey;
    final List<X509Certificate> chain;

    private Keys(RSAPrivateCrtKey privateKey, List<X509Certificate> chain) {
        this.privateKey = privateKey;
        this.chain = chain;
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
            BigInteger certModulus = ((java.security.interfaces.RSAPublicKey) chain.get(0).getPublicKey()).getModulus();
            if (!certModulus.equals(rsa.getModulus())) {
                throw new IllegalArgumentException(certFile + ": the first certificate is not for the key " + keyFile);
            }
        }
        return new Keys((RSAPrivateCrtKey) key, chain);
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

    /** RFC 7638 thumbprint of the public key: the `kid` the sandbox puts in JWE headers and we may put in the JWS. */
    String thumbprint() throws Exception {
        String jwk = "{\"e\":\"" + b64u(unsigned(privateKey.getPublicExponent())) + "\",\"kty\":\"RSA\",\"n\":\""
                + b64u(unsigned(privateKey.getModulus())) + "\"}";
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
