import UnitModel

/// Reads the facts `ResourceControl` needs from the running system.
public enum HostProbe {}
