using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Data;
using RestikManager.Server.Events;

namespace RestikManager.Server.Agents;

/// <summary>An enrolled host; the <c>Update…</c> fields are the agent update it was last offered (see Updates/).</summary>
internal sealed record AgentRecord(
    string Id, string Hostname, string? Label, string EnrolledAt, string? RevokedAt, string? LastSeenAt,
    string? AgentVersion, string? AgentCommit, string? Os, string? Arch, string? ResticVersion,
    string? UpdateVersion = null, string? UpdateState = null, string? UpdateError = null, string? UpdateAt = null, string? ResticSource = null,
    string? Allowlist = null)
{
    /// <summary>
    /// What the host's allowlist lets plans run there, as its agent last said (null: an agent older than hooks, which runs
    /// none of them).
    /// </summary>
    public IReadOnlyList<AllowedEntry>? Allowed => Allowlist is null ? null
        : System.Text.Json.JsonSerializer.Deserialize(Allowlist, StoredJson.Default.ListAllowedEntry);

    /// <summary>Whether the host allows <paramref name="name"/> as one of <paramref name="kinds"/>, usable (no problem reported).</summary>
    public bool Allows(string name, Func<string, bool> kinds) => Allows(Allowed, name, kinds);

    /// <summary>The same of an allowlist already read (<see cref="Allowed"/> parses the stored JSON at each call).</summary>
    public static bool Allows(IReadOnlyList<AllowedEntry>? allowed, string name, Func<string, bool> kinds) =>
        allowed?.Any(e => e.Name == name && kinds(e.Kind) && e.Problem is null) == true;

    /// <summary>The allowlist as it is stored: null for an agent that did not report one.</summary>
    public static string? Stored(Hello hello) =>
        hello.Allowlist is { } list ? System.Text.Json.JsonSerializer.Serialize([.. list], StoredJson.Default.ListAllowedEntry) : null;
}

/// <summary>Why an enrollment was refused.</summary>
internal enum EnrollRefusal
{
    None,
    InvalidToken,
    HostExists,
}

/// <summary>
/// The <c>agents</c> table: enrollment, credentials (SHA-256), revocation, hello details, last seen.
/// Live credentials are remembered after their first lookup, so a reconnect storm costs no database
/// work per connection; revocation and re-enrollment (both done by this process) forget them at once.
/// </summary>
internal sealed class AgentStore(Database database, TimeProvider time, DomainEvents events) : IHandles<AgentCredentialChanged>
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, AgentRecord> _byCredentialHash = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _credentialHashById = new(StringComparer.Ordinal);
    private readonly Lock _cacheGate = new();
    private long _forgetGeneration;

    private const string Columns =
        "id, hostname, label, enrolled_at AS EnrolledAt, revoked_at AS RevokedAt, last_seen_at AS LastSeenAt, agent_version AS AgentVersion, agent_commit AS AgentCommit, os, arch, restic_version AS ResticVersion, " +
        "update_version AS UpdateVersion, update_state AS UpdateState, update_error AS UpdateError, update_at AS UpdateAt, restic_source AS ResticSource, allowlist";

    /// <summary>
    /// Redeems <paramref name="request"/>'s token and issues a credential, in one transaction. A live agent with
    /// the same hostname is replaced (same id, new credential, old one dead) only when the request says so.
    /// </summary>
    public (EnrollRefusal Refusal, AgentRecord? Agent, string? Credential, string? ReplacedId) Enroll(EnrollRequest request)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var token = connection.QuerySingleOrDefault<(long Id, string? Label)?>(
            $"SELECT id, label FROM enrollment_tokens WHERE token_hash = @hash AND used_at IS NULL AND expires_at > @now{database.Sql.ForUpdate}",
            new { hash = SecretTokens.Hash(request.Token), now }, transaction);
        if (token is null)
        {
            return (EnrollRefusal.InvalidToken, null, null, null);
        }

        var existing = connection.QuerySingleOrDefault<string?>(
            $"SELECT id FROM agents WHERE {database.Sql.NoCaseEquals("hostname", "@hostname")} AND revoked_at IS NULL", new { hostname = request.Hostname }, transaction);
        if (existing is not null && !request.Replace)
        {
            return (EnrollRefusal.HostExists, null, null, null);
        }

        var credential = SecretTokens.New(AgentProtocol.CredentialPrefix);
        var id = existing ?? Guid.NewGuid().ToString("N");
        var args = new { id, hostname = request.Hostname, label = token.Value.Label, hash = SecretTokens.Hash(credential), now, os = request.Os, arch = request.Arch, version = request.AgentVersion };
        if (existing is null)
        {
            connection.Execute(
                "INSERT INTO agents (id, hostname, label, credential_hash, enrolled_at, os, arch, agent_version) VALUES (@id, @hostname, @label, @hash, @now, @os, @arch, @version)",
                args, transaction);
        }
        else
        {
            connection.Execute(
                "UPDATE agents SET credential_hash = @hash, enrolled_at = @now, label = coalesce(@label, label), os = @os, arch = @arch, agent_version = @version WHERE id = @id",
                args, transaction);
        }

        connection.Execute("UPDATE enrollment_tokens SET used_at = @now, agent_id = @id WHERE id = @tokenId", new { now, id, tokenId = token.Value.Id }, transaction);
        transaction.Commit();
        Forget(id);
        events.Publish(new HostChanged(id));
        return (EnrollRefusal.None, Find(id), credential, existing);
    }

    public AgentRecord? FindByCredential(string credential)
    {
        if (!credential.StartsWith(AgentProtocol.CredentialPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var hash = SecretTokens.Hash(credential);
        if (_byCredentialHash.TryGetValue(hash, out var known))
        {
            return known;
        }

        var generation = Interlocked.Read(ref _forgetGeneration);
        using var connection = database.Open();
        var agent = connection.QuerySingleOrDefault<AgentRecord>(
            $"SELECT {Columns} FROM agents WHERE credential_hash = @hash AND revoked_at IS NULL", new { hash });
        if (agent is not null)
        {
            // Remembered only if no revocation or re-enrollment happened since the read began, so a
            // read that raced a revocation can never keep a dead credential alive.
            lock (_cacheGate)
            {
                if (_forgetGeneration == generation)
                {
                    _credentialHashById[agent.Id] = hash;
                    _byCredentialHash[hash] = agent;
                }
            }
        }

        return agent;
    }

    /// <summary>
    /// Loads every live credential into memory (one query at start), so agents reconnecting after a server
    /// restart are admitted without a database read each.
    /// </summary>
    public int RememberLiveCredentials()
    {
        var agents = List().Where(a => a.RevokedAt is null).ToDictionary(a => a.Id, StringComparer.Ordinal);
        using var connection = database.Open();
        var hashes = connection.Query<(string Id, string Hash)>("SELECT id, credential_hash FROM agents WHERE revoked_at IS NULL");
        lock (_cacheGate)
        {
            foreach (var (id, hash) in hashes)
            {
                if (agents.TryGetValue(id, out var agent))
                {
                    _credentialHashById[id] = hash;
                    _byCredentialHash[hash] = agent;
                }
            }
        }

        return _byCredentialHash.Count;
    }

    public AgentRecord? Find(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<AgentRecord>($"SELECT {Columns} FROM agents WHERE id = @id", new { id });
    }

    /// <summary>A host that is not revoked, named by its id or (case-insensitively) its hostname.</summary>
    public AgentRecord? Resolve(string idOrHostname)
    {
        using var connection = database.Open();
        return connection.QueryFirstOrDefault<AgentRecord>(
            $"SELECT {Columns} FROM agents WHERE revoked_at IS NULL AND (id = @idOrHostname OR {database.Sql.NoCaseEquals("hostname", "@idOrHostname")}) ORDER BY id = @idOrHostname DESC LIMIT 1",
            new { idOrHostname });
    }

    public IReadOnlyList<AgentRecord> List()
    {
        using var connection = database.Open();
        return [.. connection.Query<AgentRecord>($"SELECT {Columns} FROM agents ORDER BY {database.Sql.NoCase("hostname")}, enrolled_at")];
    }

    public bool Revoke(string id)
    {
        using var connection = database.Open();
        var revoked = connection.Execute("UPDATE agents SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            new { id, now = time.GetUtcNow() }) == 1;
        Forget(id);
        events.Publish(new HostChanged(id));
        return revoked;
    }

    /// <summary>Sets (null: clears) a live host's label; false when there is no live host with that id.</summary>
    public bool SetLabel(string id, string? label)
    {
        using var connection = database.Open();
        var changed = connection.Execute("UPDATE agents SET label = @label WHERE id = @id AND revoked_at IS NULL", new { id, label }) == 1;
        Forget(id);
        events.Publish(new HostChanged(id));
        return changed;
    }

    public void RecordHello(string id, Hello hello, DateTimeOffset at)
    {
        if (_credentialHashById.TryGetValue(id, out var hash) && _byCredentialHash.TryGetValue(hash, out var known))
        {
            _byCredentialHash.TryUpdate(hash, known with
            {
                AgentVersion = hello.AgentVersion, AgentCommit = hello.Commit, Os = hello.Os, Arch = hello.Arch, ResticVersion = hello.ResticVersion,
                ResticSource = hello.ResticSource, Allowlist = AgentRecord.Stored(hello),
            }, known);
        }

        using var connection = database.Open();
        connection.Execute(
            """
            UPDATE agents SET agent_version = @AgentVersion, agent_commit = @Commit, os = @Os, arch = @Arch,
                restic_version = @ResticVersion, restic_source = @ResticSource, allowlist = @allowlist, last_seen_at = @at WHERE id = @id
            """,
            new { id, hello.AgentVersion, hello.Commit, hello.Os, hello.Arch, hello.ResticVersion, hello.ResticSource, allowlist = AgentRecord.Stored(hello), at });
    }

    /// <summary>Records how the agent update offered to this host stands (sent, done or failed, with why).</summary>
    public void SetUpdate(string id, string version, string state, string? error, DateTimeOffset at)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE agents SET update_version = @version, update_state = @state, update_error = @error, update_at = @at WHERE id = @id",
            new { id, version, state, error, at });
        events.Publish(new HostChanged(id));
    }

    /// <summary>Puts back the update fields <paramref name="previous"/> had (an offer that could not be sent).</summary>
    public void RestoreUpdate(AgentRecord previous)
    {
        using var connection = database.Open();
        connection.Execute(
            "UPDATE agents SET update_version = @UpdateVersion, update_state = @UpdateState, update_error = @UpdateError, update_at = @UpdateAt WHERE id = @Id",
            new { previous.Id, previous.UpdateVersion, previous.UpdateState, previous.UpdateError, previous.UpdateAt });
        events.Publish(new HostChanged(previous.Id));
    }

    /// <summary>Another replica (or this one) changed the agent's credential: what is remembered of it is read again.</summary>
    public void Handle(AgentCredentialChanged domainEvent) => ForgetHere(domainEvent.AgentId);

    private void Forget(string id)
    {
        ForgetHere(id);
        events.Publish(new AgentCredentialChanged(id));
    }

    private void ForgetHere(string id)
    {
        lock (_cacheGate)
        {
            _forgetGeneration++;
            if (_credentialHashById.TryRemove(id, out var hash))
            {
                _byCredentialHash.TryRemove(hash, out _);
            }
        }
    }

    /// <summary>Writes many last-seen times in one transaction (heartbeats never write one by one).</summary>
    public void WriteLastSeen(IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> seen)
    {
        if (seen.Count == 0)
        {
            return;
        }

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE agents SET last_seen_at = @at WHERE id = @id AND (last_seen_at IS NULL OR last_seen_at < @at)";
        var id = Parameter(command, "id");
        var at = Parameter(command, "at");
        foreach (var (agentId, time) in seen)
        {
            id.Value = agentId;
            // ISO 8601 with a T, as this column has always held (compared as text with what is already there).
            at.Value = time.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static System.Data.Common.DbParameter Parameter(System.Data.Common.DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = System.Data.DbType.String;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
