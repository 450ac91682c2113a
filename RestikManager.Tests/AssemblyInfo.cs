// The suite drives bash, restic and POSIX signals: it runs on Linux (the build machines and CI).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
