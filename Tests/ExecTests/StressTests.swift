import Exec
import Glibc
import Synchronization
import Testing

@Suite("Spawner under load")
struct StressTests {
    static let spawnCount = 3000
    static let deadlineSeconds = 60.0

    @Test("thousands of credentialed spawns from a busy multithreaded process are all reaped with exit 0")
    func credentialedSpawnsUnderLoad() throws {
        let cgroup = try TestCgroup(name: "stress")
        defer { cgroup.remove() }
        let churn = AllocationChurn(threads: 3)
        defer { churn.stop() }

        let request = SpawnRequest(
            path: "/bin/true", cgroupDirectory: cgroup.descriptor, userID: 65534, groupID: 65534,
            resourceLimits: [
                ResourceLimit(resource: Int32(RLIMIT_NOFILE.rawValue), soft: 256, hard: 512),
                ResourceLimit(resource: Int32(RLIMIT_CORE.rawValue), soft: 0, hard: 0),
            ],
            noNewPrivileges: true)
        let start = monotonicSeconds()
        var exitedZero = 0
        for index in 0..<Self.spawnCount {
            let process = try Spawner.spawn(request)
            defer { close(process.pidfd) }
            let remaining = Self.deadlineSeconds - (monotonicSeconds() - start)
            guard waitReadable(process.pidfd, seconds: remaining) else {
                kill(process.pid, SIGKILL)
                _ = try? process.waitForTermination()
                Issue.record(
                    "child \(index) (pid \(process.pid)) still running at the \(Self.deadlineSeconds) s deadline")
                return
            }
            let termination = try process.terminationIfEnded()
            #expect(termination == .exited(0), "child \(index)")
            if termination == .exited(0) {
                exitedZero += 1
            }
        }
        #expect(exitedZero == Self.spawnCount)
        print("spawned and reaped \(Self.spawnCount) children in \(monotonicSeconds() - start) s")
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

/// Threads that allocate and free in a loop, so that spawns happen while
/// allocator locks are taken and released in other threads.
final class AllocationChurn: Sendable {
    private let running = Atomic<Bool>(true)
    private let threads: Mutex<[pthread_t]> = Mutex([])

    init(threads count: Int) {
        for _ in 0..<count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let created = pthread_create(
                &thread, nil,
                { context in
                    let churn = Unmanaged<AllocationChurn>.fromOpaque(context!).takeRetainedValue()
                    churn.loop()
                    return nil
                }, context)
            precondition(created == 0)
            threads.withLock { $0.append(thread) }
        }
    }

    private func loop() {
        var size = 1
        while running.load(ordering: .relaxed) {
            var blocks: [[UInt8]] = []
            for _ in 0..<64 {
                size = size % 65_521 + 97
                blocks.append([UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size))
            }
            precondition(blocks.count == 64)
        }
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        for thread in threads.withLock({ $0 }) {
            pthread_join(thread, nil)
        }
    }
}
