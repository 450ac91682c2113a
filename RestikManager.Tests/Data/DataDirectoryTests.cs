using Dapper;
using Microsoft.Data.Sqlite;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Data;

public sealed class DataDirectoryTests : IDisposable
{
    private readonly TempDir _dir = new("rm-datadir");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void CreatesAMissingDirectoryWithAnOwnerOnlyKeyAndAMigratedDatabase()
    {
        var dataDir = _dir.Of("new", "data");

        var (key, database) = DataDirectory.Prepare(dataDir);

        key.Bytes.Length.ShouldBe(32);
        File.GetUnixFileMode(Path.Join(dataDir, "secret.key")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (File.GetUnixFileMode(dataDir) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe(UnixFileMode.None);
        using var connection = database.Open();
        connection.ExecuteScalar<long>("PRAGMA user_version").ShouldBe(Migrator.LatestVersion);
        connection.ExecuteScalar<string>("PRAGMA journal_mode").ShouldBe("wal");
        connection.ExecuteScalar<long>("SELECT count(*) FROM instance").ShouldBe(1);
    }

    [Fact]
    public void NeverRegeneratesAnExistingKeyAndMigratesOnlyOnce()
    {
        var (first, database) = DataDirectory.Prepare(_dir.Path);
        string instance;
        using (var connection = database.Open())
        {
            instance = connection.ExecuteScalar<string>("SELECT instance_id FROM instance")!;
        }

        var (second, again) = DataDirectory.Prepare(_dir.Path);

        second.Bytes.ToArray().ShouldBe(first.Bytes.ToArray());
        using var reopened = again.Open();
        reopened.ExecuteScalar<string>("SELECT instance_id FROM instance").ShouldBe(instance);
        Migrator.Migrate(again).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void RefusesAKeyOfTheWrongSizeAndChangesNothing(int size)
    {
        File.WriteAllBytes(_dir.Of("secret.key"), new byte[size]);
        File.SetUnixFileMode(_dir.Of("secret.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(_dir.Path));

        e.Message.ShouldContain($"secret.key is {size} bytes, expected 32");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    public void RefusesAKeyOthersCanReadAndChangesNothing(UnixFileMode extra)
    {
        File.WriteAllBytes(_dir.Of("secret.key"), new byte[32]);
        File.SetUnixFileMode(_dir.Of("secret.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(_dir.Path));

        e.Message.ShouldContain("readable by group or others");
        e.Message.ShouldContain("chmod 600");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }

    [Fact]
    public void RefusesADatabaseFromANewerServerAndChangesNothing()
    {
        DataDirectory.Prepare(_dir.Path);
        using (var connection = new SqliteConnection($"Data Source={_dir.Of("restic-manager.db")};Pooling=False"))
        {
            connection.Open();
            connection.Execute($"PRAGMA user_version = {Migrator.LatestVersion + 5}");
        }

        var before = DirectorySnapshot.Take(_dir.Path);

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(_dir.Path));

        e.Message.ShouldContain($"schema version {Migrator.LatestVersion + 5}, newer than this server knows ({Migrator.LatestVersion})");
        DirectorySnapshot.Take(_dir.Path).ShouldBe(before);
    }

    [Fact]
    public void RefusesADataDirThatIsAFile()
    {
        var file = _dir.Write("not-a-dir", "x");

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(file));

        e.Message.ShouldBe($"RM_DATA_DIR='{file}': exists and is not a directory");
        File.ReadAllText(file).ShouldBe("x");
    }

    [Fact]
    public void RefusesADataDirThatCannotBeCreated()
    {
        _dir.Write("file", "x");

        var e = Should.Throw<StartupRefusedException>(() => DataDirectory.Prepare(_dir.Of("file", "data")));

        e.Message.ShouldStartWith($"RM_DATA_DIR='{_dir.Of("file", "data")}': not writable");
    }

    [Fact]
    public void MigrationsAreNumberedWithoutGapsFromOne()
    {
        Migrator.Migrations.Select(m => m.Version).ShouldBe(Enumerable.Range(1, Migrator.Migrations.Count));
    }

    [Fact]
    public void AFailingMigrationRollsBackAndKeepsTheVersion()
    {
        var database = new Database(_dir.Of("restic-manager.db"));
        Migrator.Migrate(database);
        using var connection = database.Open();
        // The same script again fails part-way (its table exists); its transaction must leave nothing behind.
        var (_, _, sql) = Migrator.Migrations[0];
        using var transaction = connection.BeginTransaction();
        Should.Throw<SqliteException>(() => connection.Execute(sql, transaction: transaction));
        transaction.Rollback();

        connection.ExecuteScalar<long>("PRAGMA user_version").ShouldBe(Migrator.LatestVersion);
        connection.ExecuteScalar<long>("SELECT count(*) FROM instance").ShouldBe(1);
    }
}
