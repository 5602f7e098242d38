package svg.bench;

/**
 * A background process that streams memory forever (copies one 256 MB array into another), to see how a forward
 * reacts to a memory-bandwidth neighbour on a shared machine. Run it niced next to a benchmark and stop it after:
 * {@code nice -n 19 java -Xmx1g -cp benchmarks/target/classes svg.bench.MemoryNeighbour & ... ; kill $!}.
 */
public final class MemoryNeighbour {
    private MemoryNeighbour() {}

    public static void main(String[] args) {
        float[] a = new float[64 << 20], b = new float[64 << 20];
        while (true) System.arraycopy(a, 0, b, 0, a.length);
    }
}
