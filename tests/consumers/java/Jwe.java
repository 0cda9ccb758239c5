import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypting a bank's compact JWE answer with javax.crypto only: `RSA-OAEP-256` key unwrapping (OAEP with SHA-256 and
 * MGF1-SHA-256, RFC 7518 §4.3) and `A128CBC-HS256` content decryption (RFC 7518 §5.2.2: the 32-byte CEK is a 16-byte
 * HMAC key then a 16-byte AES key; the tag is the first 16 bytes of HMAC-SHA-256 over AAD || IV || ciphertext ||
 * AAD length in bits, checked in constant time BEFORE anything is decrypted). Any other alg/enc, a `kid` that is not
 * ours, or a bad tag is a Failure: a production consumer must not read an answer it cannot authenticate.
 */
final class Jwe {
    private final Keys keys;
    private final String kid;
    int decrypted;

    /** Decrypt one saved answer: `java Jwe key.pem < answer.jose` prints its plaintext (exit 1 and why, if it cannot). */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java Jwe consumer-key.pem < answer.jose");
            System.exit(2);
        }
        String compact = new String(System.in.readAllBytes(), StandardCharsets.US_ASCII);
        try {
            System.out.write(new Jwe(Keys.load(java.nio.file.Path.of(args[0]), null)).decrypt(compact, "stdin")
                    .getBytes(StandardCharsets.UTF_8));
            System.out.flush();
        } catch (Failure e) {
            System.err.println("FAILED: " + e.getMessage());
            System.exit(1);
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            System.err.println("FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    Jwe(Keys keys) throws Exception {
        this.keys = keys;
        this.kid = keys.thumbprint();
    }

    String decrypt(String compact, String where) throws Exception {
        String[] part = compact.trim().split("\\.", -1);
        if (part.length != 5) throw new Failure(where + ": not a compact JWE (" + part.length + " segments)");
        Base64.Decoder b64 = Base64.getUrlDecoder();
        Map<String, Object> header = Check.object(Json.parse(new String(b64.decode(part[0]), StandardCharsets.UTF_8)),
                where + ": JWE header");
        if (!"RSA-OAEP-256".equals(header.get("alg")) || !"A128CBC-HS256".equals(header.get("enc"))) {
            throw new Failure(where + ": JWE alg/enc must be RSA-OAEP-256/A128CBC-HS256, got " + header);
        }
        if (!kid.equals(header.get("kid"))) {
            throw new Failure(where + ": JWE kid " + header.get("kid") + " is not our key's thumbprint " + kid);
        }
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
        rsa.init(Cipher.DECRYPT_MODE, keys.privateKey, new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        byte[] cek = rsa.doFinal(b64.decode(part[1]));
        if (cek.length != 32) throw new Failure(where + ": A128CBC-HS256 needs a 32-byte key, got " + cek.length);
        byte[] iv = b64.decode(part[2]), ciphertext = b64.decode(part[3]), tag = b64.decode(part[4]);
        byte[] aad = part[0].getBytes(StandardCharsets.US_ASCII);

        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(Arrays.copyOfRange(cek, 0, 16), "HmacSHA256"));
        hmac.update(aad);
        hmac.update(iv);
        hmac.update(ciphertext);
        hmac.update(ByteBuffer.allocate(8).putLong((long) aad.length * 8).array());
        byte[] expected = Arrays.copyOf(hmac.doFinal(), 16);
        if (!MessageDigest.isEqual(expected, tag)) throw new Failure(where + ": JWE authentication tag does not match");

        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Arrays.copyOfRange(cek, 16, 32), "AES"), new IvParameterSpec(iv));
        decrypted++;
        return new String(aes.doFinal(ciphertext), StandardCharsets.UTF_8);
    }
}
