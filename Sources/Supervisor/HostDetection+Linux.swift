import Glibc
import SystemCall
import UnitFile
import UnitModel

/// What `ConditionVirtualization=`, `ConditionSecurity=` and `ConditionACPower=` ask of the host,
/// found as systemd 252 finds it (`systemd-detect-virt`, `systemd-analyze condition`).
enum HostDetection {
    /// `ConditionVirtualization=`: a boolean (any virtualization), `vm`, `container`,
    /// `private-users`, or an id (`kvm`, `qemu`, `docker` ...). As in systemd, a container is what
    /// is detected when there is one, even inside a VM.
    static func virtualizationMatches(_ parameter: String) -> Bool {
        if parameter == "private-users" { return inUserNamespace() }
        let detected = detectContainer().map { (id: $0, vm: false) } ?? detectVM().map { (id: $0, vm: true) }
        if let wanted = try? Grammar.boolean(parameter) { return wanted == (detected != nil) }
        if parameter == "vm" { return detected?.vm == true }
        if parameter == "container" { return detected?.vm == false }
        return detected?.id == parameter
    }

    /// The container manager's id: OpenVZ and WSL by their kernel's traces, then what the manager
    /// says (`/run/systemd/container`, PID 1's `container=`), then podman's and docker's marker files.
    static func detectContainer() -> String? {
        if access("/proc/vz", F_OK) == 0 && access("/proc/bc", F_OK) != 0 { return "openvz" }
        let release = readTextFile(atPath: "/proc/sys/kernel/osrelease") ?? ""
        if release.contains("Microsoft") || release.contains("WSL") { return "wsl" }
        let said =
            readTextFile(atPath: "/run/systemd/container")?.split(separator: "\n").first.map(String.init)
            ?? pidOneEnvironment("container")
        if let said, !said.isEmpty {
            let known = ["lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt", "wsl", "proot", "pouch"]
            return known.contains(said) ? said : (said == "oci" ? "docker" : "container-other")
        }
        if access("/run/.containerenv", F_OK) == 0 { return "podman" }
        if access("/.dockerenv", F_OK) == 0 { return "docker" }
        return nil
    }

    /// The hypervisor's id: the firmware's (DMI) word for Oracle, Xen and Amazon first, then CPUID's
    /// vendor signature, then DMI again.
    static func detectVM() -> String? {
        let firmware = dmiVendor()
        if let firmware, ["oracle", "xen", "amazon"].contains(firmware) { return firmware }
        if let vendor = hypervisorVendor() {
            let vendors = [
                "XenVMMXenVMM": "xen", "KVMKVMKVM": "kvm", "Linux KVM Hv": "kvm", "TCGTCGTCGTCG": "qemu",
                "VMwareVMware": "vmware", "Microsoft Hv": "microsoft", "bhyve bhyve ": "bhyve", "QNXQVMBSQG": "qnx",
                "ACRNACRNACRN": "acrn", "SRESRESRESRE": "sre", "Apple VZ": "apple",
            ]
            return vendors[vendor] ?? firmware ?? "vm-other"
        }
        return firmware
    }

    private static func dmiVendor() -> String? {
        let prefixes: [(String, String)] = [
            ("KVM", "kvm"), ("OpenStack", "kvm"), ("KubeVirt", "kvm"), ("Amazon EC2", "amazon"), ("QEMU", "qemu"),
            ("VMware", "vmware"), ("VMW", "vmware"), ("innotek GmbH", "oracle"), ("VirtualBox", "oracle"),
            ("Oracle Corporation", "oracle"), ("Xen", "xen"), ("Bochs", "bochs"), ("Parallels", "parallels"),
            ("BHYVE", "bhyve"), ("Hyper-V", "microsoft"), ("Apple Virtualization", "apple"),
            ("Google Compute Engine", "google"),
        ]
        for file in ["product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"] {
            guard let value = readTextFile(atPath: "/sys/class/dmi/id/" + file) else { continue }
            if let match = prefixes.first(where: { value.hasPrefix($0.0) }) { return match.1 }
        }
        return nil
    }

    /// A user namespace other than the initial one: the uid map is not the identity of all ids.
    private static func inUserNamespace() -> Bool {
        let map = (readTextFile(atPath: "/proc/self/uid_map") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
        return map != ["0", "0", "4294967295"]
    }

    private static func pidOneEnvironment(_ name: String) -> String? {
        guard let bytes = try? FileDescriptor.open("/proc/1/environ", O_RDONLY).readToEnd() else { return nil }
        return bytes.split(separator: 0).lazy.map { String(decoding: $0, as: UTF8.self) }
            .first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// `ConditionSecurity=`: whether the security technology is on.
    static func hasSecurityTechnology(_ name: String) -> Bool {
        switch name {
        case "selinux": return access("/sys/fs/selinux/enforce", F_OK) == 0
        case "apparmor": return readTextFile(atPath: "/sys/module/apparmor/parameters/enabled")?.hasPrefix("Y") == true
        case "tomoyo": return access("/sys/kernel/security/tomoyo/version", F_OK) == 0
        case "smack": return access("/sys/fs/smackfs", F_OK) == 0
        case "ima": return access("/sys/kernel/security/ima", F_OK) == 0
        case "audit":
            // The kernel has audit when its netlink family exists (refusing it to us still counts).
            let socket = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 9)  // NETLINK_AUDIT
            if socket >= 0 {
                close(socket)
                return true
            }
            return ![EAFNOSUPPORT, EPROTONOSUPPORT].contains(errno)
        case "uefi-secureboot":
            let variable = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
            guard let bytes = try? FileDescriptor.open(variable, O_RDONLY).readToEnd() else { return false }
            return bytes.count == 5 && bytes[4] == 1
        case "tpm2":
            return (try? FileDescriptor.open("/sys/class/tpm", O_RDONLY | O_DIRECTORY).entries())?.contains {
                readTextFile(atPath: "/sys/class/tpm/\($0.name)/tpm_version_major")?.hasPrefix("2") == true
            } == true
        default: return false
        }
    }

    /// systemd's on_ac_power(): on a mains supply that is online, or with no power supply known at
    /// all; off only when every mains supply found is offline.
    static func onACPower() -> Bool {
        guard let supplies = try? FileDescriptor.open("/sys/class/power_supply", O_RDONLY | O_DIRECTORY).entries()
        else { return true }
        var offline = false
        for supply in supplies {
            let directory = "/sys/class/power_supply/" + supply.name
            guard let type = readTextFile(atPath: directory + "/type"),
                ["Mains", "USB", "BrickID"].contains(type.trimmingSuffixNewline)
            else { continue }
            if readTextFile(atPath: directory + "/online")?.hasPrefix("1") == true { return true }
            offline = true
        }
        return !offline
    }
}

extension String {
    fileprivate var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
