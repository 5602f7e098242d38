package svg.spark;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ring on loopback sockets, with as many replicas as threads: sums, identical bits, traffic. */
class RingAllReduceTest {
    @Test
    void everyReplicaGetsTheSameSum() throws Exception {
        for (int size : new int[]{1, 2, 3, 5}) {
            for (int n : new int[]{1, 7, 100_003}) check(size, n);
        }
    }

    static void check(int size, int n) throws Exception {
        String[] addresses = new String[size];
        CountDownLatch all = new CountDownLatch(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<float[]>> out = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                out.add(pool.submit(() -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i * 0.37 + rank) * (rank + 1);
                    try (RingAllReduce ring = RingAllReduce.connect(rank, size, "127.0.0.1", me -> {
                        addresses[rank] = me;
                        all.countDown();
                        try {
                            all.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return addresses.clone();
                    })) {
                        ring.sum(v);
                        // 2 (R - 1) / R of the array, whatever R: the reason for a ring
                        if (size > 1) assertEquals(2 * 4.0 * n * (size - 1) / size, ring.bytesSent(), 8.0 * size);
                    }
                    return v;
                }));
            }
            float[] first = out.get(0).get();
            for (int i = 0; i < n; i++) {
                double want = 0;
                for (int r = 0; r < size; r++) want += (float) Math.sin(i * 0.37 + r) * (r + 1);
                assertEquals(want, first[i], 1e-5 * size, "element " + i + " of " + n + " over " + size);
            }
            for (Future<float[]> f : out) assertArrayEquals(first, f.get(), "replicas differ (" + size + " x " + n + ")");
        } finally {
            pool.shutdownNow();
        }
    }
}
