import Exec
import Glibc
import Synchronization
import Testing

@Suite("Spawner under load")
struct StressTests {
    static let spawnsPerThread = 1500
    static let spawningThreads = 2
    static let deadlineSeconds = 60.0

    @Test("thousands of credentialed spawns from a busy multithreaded process are all reaped with exit 0")
    func credentialedSpawnsUnderLoad() throws {
        let cgroup = try TestCgroup(name: "stress")
        defer { cgroup.remove() }
        let request = SpawnRequest(
            path: "/bin/true", cgroupDirectory: cgroup.descriptor, userID: 65534, groupID: 65534,
            resourceLimits: [
                RLimit(resource: Int32(RLIMIT_NOFILE.rawValue), soft: 256, hard: 512),
                RLimit(resource: Int32(RLIMIT_CORE.rawValue), soft: 0, hard: 0),
            ],
            noNewPrivileges: true)
        let start = monotonicSeconds()
        let deadline = start + Self.deadlineSeconds

        // Threads that allocate and free in a loop, so that spawns happen while
        // allocator locks are taken and released in other threads.
        let churning = Atomic<Bool>(true)
        let churn = startThreads(3) { _ in
            var size = 1
            while churning.load(ordering: .relaxed) {
                var blocks: [[UInt8]] = []
                for _ in 0..<64 {
                    size = size % 65_521 + 97
                    blocks.append([UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size))
                }
                precondition(blocks.count == 64)
            }
        }
        defer {
            churning.store(false, ordering: .relaxed)
            join(churn)
        }

        let exitedZero = Atomic<Int>(0)
        let finishedThreads = Atomic<Int>(0)
        let problems = Mutex<[String]>([])
        let spawners = startThreads(Self.spawningThreads) { thread in
            defer { finishedThreads.add(1, ordering: .releasing) }
            for index in 0..<Self.spawnsPerThread {
                do {
                    let process = try Spawner.spawn(request)
                    guard waitReadable(process.pidfd.rawValue, seconds: deadline - monotonicSeconds()) else {
                        problems.withLock { $0.append("thread \(thread) child \(index) still running at the deadline") }
                        kill(process.pid, SIGKILL)
                        _ = try process.waitForTermination()
                        return
                    }
                    let termination = try process.terminationIfEnded()
                    if termination == .exited(0) {
                        exitedZero.add(1, ordering: .relaxed)
                    } else {
                        problems.withLock {
                            $0.append("thread \(thread) child \(index): \(String(describing: termination))")
                        }
                    }
                } catch {
                    problems.withLock { $0.append("thread \(thread) child \(index): \(error)") }
                    return
                }
            }
        }
        // A child stuck before execve would keep its spawning thread in clone3 (CLONE_VFORK):
        // past the deadline, kill everything in the cgroup so that the test fails instead of hanging.
        while finishedThreads.load(ordering: .acquiring) < Self.spawningThreads && monotonicSeconds() < deadline {
            usleep(10_000)
        }
        if finishedThreads.load(ordering: .acquiring) < Self.spawningThreads {
            Issue.record("spawning did not finish within \(Self.deadlineSeconds) s")
            cgroup.killAll()
        }
        join(spawners)

        #expect(problems.withLock { $0 } == [])
        #expect(exitedZero.load(ordering: .relaxed) == Self.spawningThreads * Self.spawnsPerThread)
        print(
            "spawned and reaped \(Self.spawningThreads * Self.spawnsPerThread) children from \(Self.spawningThreads) threads in \(monotonicSeconds() - start) s"
        )
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Waits until `descriptor` polls readable (a pidfd does once its process ends).
func waitReadable(_ descriptor: Int32, seconds: Double) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    while true {
        let result = poll(&entry, 1, Int32(max(0, seconds) * 1000))
        if result < 0 && errno == EINTR { continue }
        return result == 1
    }
}

/// Starts `count` POSIX threads running `body(threadIndex)`; join them with `join`.
/// Plain threads rather than tasks: the bodies block and must not starve Swift's cooperative pool.
func startThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> [pthread_t] {
    final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    return (0..<count).map { index in
        var thread = pthread_t()
        let work = Unmanaged.passRetained(Work { body(index) }).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { work in
                Unmanaged<Work>.fromOpaque(work!).takeRetainedValue().body()
                return nil
            }, work)
        precondition(created == 0, "pthread_create: \(created)")
        return thread
    }
}

func join(_ threads: [pthread_t]) {
    for thread in threads {
        pthread_join(thread, nil)
    }
}
