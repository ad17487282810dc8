package dev.videoworker.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * A worker's heap over JMX: the attach API starts the worker's local management agent once, then every reading is a
 * call on the open connection. (c) samples the heap every 100 ms and forces a full collection every 5 s while the
 * transfer is timed; as HTTP scrapes of all the worker's metrics and a {@code jcmd} process each time (a JVM of its
 * own, ~0.5 s of CPU per start) that sampling took the cores the worker's leg was measured on, and the raw legs, which
 * are not sampled, paid nothing for it.
 */
final class WorkerJmx implements AutoCloseable {

    /** Heap used, in bytes: all heap pools, the eden pool, and the old generation. */
    record Heap(long used, long eden, long old) {
    }

    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final List<Pool> heapPools;

    /** A heap pool and its name, read once (each reading of a proxy is a call to the worker). */
    private record Pool(String name, MemoryPoolMXBean bean) {
    }

    private WorkerJmx(JMXConnector connector, MemoryMXBean memory, List<Pool> heapPools) {
        this.connector = connector;
        this.memory = memory;
        this.heapPools = heapPools;
    }

    static WorkerJmx attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to process " + pid, e);
        }
        JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        try {
            MBeanServerConnection connection = connector.getMBeanServerConnection();
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(connection,
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            List<Pool> heapPools = new ArrayList<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getPlatformMXBeans(connection, MemoryPoolMXBean.class)) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(new Pool(pool.getName(), pool));
                }
            }
            return new WorkerJmx(connector, memory, heapPools);
        } catch (IOException | RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    /** Heap used now, by the pools' names ("PS Eden Space", "PS Old Gen", "G1 Eden Space", "G1 Old Gen"). */
    Heap heap() {
        long used = 0;
        long eden = 0;
        long old = 0;
        for (Pool pool : heapPools) {
            long bytes = pool.bean().getUsage().getUsed();
            used += bytes;
            if (pool.name().endsWith("Eden Space")) {
                eden += bytes;
            } else if (pool.name().endsWith("Old Gen")) {
                old += bytes;
            }
        }
        return new Heap(used, eden, old);
    }

    /** A full collection ({@code System.gc()} in the worker: with the parallel collector a full one, as GC.run). */
    void fullGc() {
        memory.gc();
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
