/// Corral's version, which `corralctl --version` and `corrald --version` print.
public let corralVersion = "0.10.0"
