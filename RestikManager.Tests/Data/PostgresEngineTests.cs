using Dapper;
using Npgsql;
using RestikManager.Server.Audit;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;
using RestikManager.Server.Secrets;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Data;

/// <summary>
/// What PostgreSQL adds beside the stores (which the whole in-process suite proves on both engines): the settings that
/// select it, the migrations' numbering, and the state that replicas share in the database (one audit chain, one
/// secrets blob, one migration at a time), against a real cluster.
/// </summary>
public sealed class PostgresEngineTests : IDisposable
{
    private readonly TempDir _dir = new("rm-pg-engine");
    private readonly List<string> _databases = [];

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            PostgresCluster.Shared.DropDatabase(database);
        }

        _dir.Dispose();
    }

    [Theory]
    [InlineData("postgres://rm:p%40ss%3Aword@db.example.org:6543/restic_manager?sslmode=require",
        "Host=db.example.org;Port=6543;Username=rm;Password=p@ss:word;Database=restic_manager;SSL Mode=Require")]
    [InlineData("postgresql://rm@db.example.org/rm", "Host=db.example.org;Username=rm;Database=rm")]
    [InlineData("Host=10.0.0.5;Database=rm;Username=rm;Password=x", "Host=10.0.0.5;Database=rm;Username=rm;Password=x")]
    public void RmDatabaseUrlTakesAUrlOrAConnectionString(string value, string expected)
    {
        var actual = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(value));
        actual.EquivalentTo(new NpgsqlConnectionStringBuilder(expected)).ShouldBeTrue(actual.ConnectionString);
    }

    [Theory]
    [InlineData("postgres://rm:hunter2@db.example.org/")]
    [InlineData("Host=db.example.org;Password=hunter2")]
    [InlineData("Password=hunter2;Nonsense Key=1")]
    [InlineData("mysql://rm:hunter2@db/rm")]
    public void ABadDatabaseUrlIsRefusedWithoutRepeatingIt(string value)
    {
        var e = Should.Throw<StartupRefusedException>(() => DatabaseUrl.ToConnectionString(value));
        e.Message.ShouldStartWith("RM_DATABASE_URL: ");
        e.Message.ShouldNotContain("hunter2");
    }

    [Fact]
    public void TheSecretKeyComesAsBytesOrBase64AndAnythingElseIsRefused()
    {
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(_dir.Of("raw"), bytes);
        File.WriteAllText(_dir.Of("text"), Convert.ToBase64String(bytes) + "\n");
        SecretKey.From(new SecretKeySource("RM_SECRET_KEY_FILE", _dir.Of("raw"), null)).Bytes.ToArray().ShouldBe(bytes);
        SecretKey.From(new SecretKeySource("RM_SECRET_KEY_FILE", _dir.Of("text"), null)).Bytes.ToArray().ShouldBe(bytes);
        SecretKey.From(new SecretKeySource("RM_SECRET_KEY", null, Convert.ToBase64String(bytes))).Bytes.ToArray().ShouldBe(bytes);

        var e = Should.Throw<StartupRefusedException>(() => SecretKey.From(new SecretKeySource("RM_SECRET_KEY", null, "c2hvcnQ=")));
        e.Message.ShouldBe("RM_SECRET_KEY: the key must be 32 bytes, or their base64 (for example from 'openssl rand -base64 32')");
    }

    [Fact]
    public void EveryMigrationAfterFourteenHasOneForEachEngine()
    {
        Migrator.PostgresMigrations.ShouldNotBeEmpty();
        Migrator.PostgresMigrations[0].Version.ShouldBe(14, "PostgreSQL starts from SQLite's schema 14 in one script");
        Migrator.PostgresMigrations[^1].Version.ShouldBe(Migrator.LatestVersion);
        Migrator.PostgresMigrations.Select(m => m.Version)
            .ShouldBe(Migrator.Migrations.Select(m => m.Version).Where(v => v >= 14));
    }

    [Fact]
    public void AServerOnPostgresWithoutASharedSecretKeyIsRefused()
    {
        var settings = Settings(NewDatabase(), key: null);
        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(settings));
        e.Message.ShouldContain("RM_SECRET_KEY_FILE nor RM_SECRET_KEY");
        File.Exists(_dir.Of("data", "secret.key")).ShouldBeFalse("a key of this replica's own would be useless to the others");
    }

    [Fact]
    public void ReplicasStartingTogetherMigrateOnceAndANewerSchemaIsRefused()
    {
        var url = NewDatabase();
        var results = new[] { 0, 1, 2 }.AsParallel().Select(_ =>
        {
            using var database = Database.Postgres(url);
            return Migrator.Migrate(database).Count;
        }).ToList();
        results.Count(applied => applied > 0).ShouldBe(1, "one replica applied the scripts, the others found them applied");
        results.Max().ShouldBe(Migrator.PostgresMigrations.Count);

        using var shared = Database.Postgres(url);
        using (var connection = shared.Open())
        {
            connection.ExecuteScalar<long>("SELECT version FROM schema_version").ShouldBe(Migrator.LatestVersion);
            connection.Execute("UPDATE schema_version SET version = version + 3");
        }

        var e = Should.Throw<StartupRefusedException>(() => Migrator.Migrate(shared));
        e.Message.ShouldContain($"has schema version {Migrator.LatestVersion + 3}, newer than this server knows ({Migrator.LatestVersion})");
        e.Message.ShouldNotContain(PostgresCluster.Shared.Password);
    }

    [Fact]
    public void ReplicasAppendingAtOnceFormOneAuditChain()
    {
        var url = NewDatabase();
        using var a = Migrated(url);
        using var b = Migrated(url);
        var replicas = new[] { AuditLog.For(_dir.Path, a, TimeProvider.System), AuditLog.For(_dir.Path, b, TimeProvider.System) };

        Parallel.For(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 6 },
            i => replicas[i % 2].Append($"replica-{i % 2}", "test.append", $"entry:{i}"));

        replicas[0].Verify(out var entries).ShouldBeNull("one unbroken chain");
        entries.Count.ShouldBe(60);
        entries.Select(e => e.Target).Distinct().Count().ShouldBe(60);
        replicas[1].Verify(out var seenByB).ShouldBeNull();
        seenByB.Select(e => e.Hash).ShouldBe(entries.Select(e => e.Hash));
        File.Exists(_dir.Of("audit", "audit.jsonl")).ShouldBeFalse("nothing of the trail is on a replica's disk");
    }

    [Fact]
    public void OneReplicasSecretsAreAnothersAndNoChangeIsLost()
    {
        var url = NewDatabase();
        var key = SecretKey.From(new SecretKeySource("RM_SECRET_KEY", null, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
        using var a = Migrated(url);
        using var b = Migrated(url);
        var first = new SecretStore(a, key);
        var second = new SecretStore(b, key);

        first.Set("repository/r1/RESTIC_PASSWORD", "pw-one");
        second.Get("repository/r1/RESTIC_PASSWORD").ShouldBe("pw-one");

        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => (i % 2 == 0 ? first : second).Set($"channel/c{i}/url", $"value-{i}"));
        first.Names.Count.ShouldBe(41, "every replica's change landed");
        second.Remove("repository/r1/RESTIC_PASSWORD").ShouldBeTrue();
        first.Get("repository/r1/RESTIC_PASSWORD").ShouldBeNull();

        using var connection = a.Open();
        var blob = connection.QuerySingle<byte[]>("SELECT blob FROM secrets");
        System.Text.Encoding.Latin1.GetString(blob).ShouldNotContain("value-");

        var otherKey = SecretKey.From(new SecretKeySource("RM_SECRET_KEY", null, Convert.ToBase64String(new byte[32])));
        Should.Throw<StartupRefusedException>(() => new SecretStore(a, otherKey)).Message.ShouldContain("cannot be decrypted");
    }

    private string NewDatabase()
    {
        var url = PostgresCluster.Shared.NewDatabase();
        _databases.Add(url);
        return url;
    }

    private static Database Migrated(string url)
    {
        var database = Database.Postgres(url);
        Migrator.Migrate(database);
        return database;
    }

    private ServerSettings Settings(string url, SecretKeySource? key) =>
        new(ListenAddress.TryParse(":8080", out _)!, _dir.Of("data"), null, _dir.Path, null, url, key);
}
