/** A check or a call that failed: the consumer stops and main prints the message, exit status 1. */
final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
        super(message);
    }
}
