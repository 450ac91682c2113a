namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// One in-process server for every case of a class whose cases do not need a fresh one: each case names what it creates
/// uniquely and asserts on its own things, never on the whole server's state. A class takes it as
/// <c>IClassFixture&lt;SharedServer&gt;</c>; it is disposed after the class's last case.
/// </summary>
public sealed class SharedServer : IDisposable
{
    internal ServerFactory Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>The same on real Kestrel at a free loopback port (for sockets and WebSockets as written).</summary>
public sealed class SharedKestrelServer : IDisposable
{
    internal ServerFactory Server { get; } = ServerFactory.OnKestrel();

    public void Dispose() => Server.Dispose();
}
