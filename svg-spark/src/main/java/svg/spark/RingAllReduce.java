package svg.spark;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Sum of float arrays over R replicas connected in a ring (replica r sends to r + 1 and receives from r - 1): a
 * reduce-scatter of R - 1 rounds, after which replica r holds the total of chunk r + 1, then an all-gather of R - 1
 * rounds that copies each total around the ring. Each replica sends and receives 2 (R - 1) / R of the array per call,
 * whatever R, and every replica ends with the same bits (each chunk is summed once, in one order, then copied).
 *
 * <p>The replicas find each other through {@code exchange}: given this replica's "host:port" it returns every
 * replica's, in rank order (Spark's barrier {@code allGather}). Sending runs on its own thread so that two
 * neighbours sending large chunks at once never wait on each other's full socket buffers.
 */
public final class RingAllReduce implements Closeable {
    private final int rank, size;
    private final SocketChannel next, prev;
    private final ServerSocketChannel server;
    private final ExecutorService sender;
    private long bytesSent;

    /** A ring of one: nothing to send. */
    public static RingAllReduce single() {
        return new RingAllReduce(0, 1, null, null, null);
    }

    private RingAllReduce(int rank, int size, ServerSocketChannel server, SocketChannel next, SocketChannel prev) {
        this.rank = rank;
        this.size = size;
        this.server = server;
        this.next = next;
        this.prev = prev;
        this.sender = size > 1 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "svg-ring-send-" + rank);
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Joins the ring as replica {@code rank} of {@code size}: listens on an ephemeral port of {@code host}, exchanges
     * addresses, connects to the next replica and accepts the previous one.
     */
    public static RingAllReduce connect(int rank, int size, String host, Function<String, String[]> exchange) throws IOException {
        if (size == 1) return single();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(host, 0));
        String[] all = exchange.apply(host + ":" + ((InetSocketAddress) server.getLocalAddress()).getPort());
        if (all.length != size) throw new IOException("ring of " + size + " replicas got " + all.length + " addresses");
        String peer = all[(rank + 1) % size];
        int colon = peer.lastIndexOf(':');
        // the peer listens already (it bound before the exchange), so connect completes through its backlog
        SocketChannel next = SocketChannel.open(new InetSocketAddress(peer.substring(0, colon), Integer.parseInt(peer.substring(colon + 1))));
        next.socket().setTcpNoDelay(true);
        SocketChannel prev = server.accept();
        prev.socket().setTcpNoDelay(true);
        return new RingAllReduce(rank, size, server, next, prev);
    }

    public int rank() { return rank; }

    public int size() { return size; }

    /** Bytes this replica has sent so far. */
    public long bytesSent() { return bytesSent; }

    /** Replaces {@code v} by its element-wise sum over the replicas (all must pass arrays of the same length). */
    public void sum(float[] v) throws IOException {
        if (size == 1) return;
        int n = v.length;
        int[] start = new int[size + 1];
        for (int c = 0; c <= size; c++) start[c] = (int) ((long) n * c / size);
        float[] in = new float[n / size + 1]; // the largest chunk
        for (int s = 0; s < size - 1; s++) { // reduce-scatter: receive chunk (r - s - 1) and add
            int send = Math.floorMod(rank - s, size), recv = Math.floorMod(rank - s - 1, size);
            exchange(v, start[send], start[send + 1] - start[send], in, start[recv + 1] - start[recv]);
            for (int i = 0, o = start[recv]; o < start[recv + 1]; i++, o++) v[o] += in[i];
        }
        for (int s = 0; s < size - 1; s++) { // all-gather: receive the total of chunk (r - s) and keep it
            int send = Math.floorMod(rank - s + 1, size), recv = Math.floorMod(rank - s, size);
            exchange(v, start[send], start[send + 1] - start[send], in, start[recv + 1] - start[recv]);
            System.arraycopy(in, 0, v, start[recv], start[recv + 1] - start[recv]);
        }
    }

    private void exchange(float[] src, int from, int count, float[] dst, int recvCount) throws IOException {
        Future<?> f = sender.submit(() -> {
            write(src, from, count);
            return null;
        });
        read(dst, recvCount);
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending to replica " + (rank + 1) % size, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("sending to replica " + (rank + 1) % size + " failed: " + e.getCause(), e.getCause());
        }
        bytesSent += 4L * count;
    }

    private void write(float[] src, int from, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(src, from, count);
        while (b.hasRemaining()) next.write(b);
    }

    private void read(float[] dst, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) if (prev.read(b) < 0) throw new IOException("replica " + Math.floorMod(rank - 1, size) + " closed the ring");
        b.flip();
        b.asFloatBuffer().get(dst, 0, count);
    }

    @Override
    public void close() throws IOException {
        if (sender != null) sender.shutdownNow();
        for (Closeable c : new Closeable[]{next, prev, server}) if (c != null) c.close();
    }

}
