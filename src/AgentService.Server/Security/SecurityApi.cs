using System.Globalization;
using System.Text.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Hosting;
using AgentService.Server.Json;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// Admin APIs of the security layer: API keys (<c>/v1/keys</c>), the audit log (<c>/v1/audit</c>), and agents'
/// secrets and config (<c>/v1/agents/{agentId}/secrets</c>, <c>/config</c>). Secret values and keys are written
/// once (a key is shown once, at creation) and never read back.
/// </summary>
internal static class SecurityApi
{
    private const int MaxNameLength = 128;
    private const int MaxSecretBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapSecurity(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/keys", CreateKeyAsync).WithTags("Security").RequireAuthorization(AccessPolicies.Admin);
        endpoints.MapGet("/v1/keys", ListKeysAsync).WithTags("Security").RequireAuthorization(AccessPolicies.Admin);
        endpoints.MapDelete("/v1/keys/{keyId}", RevokeKeyAsync).WithTags("Security").RequireAuthorization(AccessPolicies.Admin);

        endpoints.MapGet("/v1/audit", QueryAuditAsync).WithTags("Security").RequireAuthorization(AccessPolicies.Admin);

        var agents = endpoints.MapGroup("/v1/agents/{agentId}").WithTags("Security").RequireAuthorization(AccessPolicies.Admin);
        agents.MapGet("/secrets", ListSecretsAsync);
        agents.MapPut("/secrets/{name}", SetSecretAsync);
        agents.MapDelete("/secrets/{name}", DeleteSecretAsync);
        agents.MapGet("/config", GetConfigAsync);
        agents.MapPut("/config", SetConfigAsync);
        return endpoints;
    }

    /// <summary>Creates a key: <c>{"role": "admin|client|agent", "agents": [...], "name": "...", "expiresAt": "..."}</c>.
    /// 201 with the key itself, shown this once.</summary>
    private static async Task<IResult> CreateKeyAsync(HttpContext context, IApiKeyStore store, TimeProvider time, IOptions<AgentServiceOptions> options, CancellationToken cancellationToken)
    {
        using var body = await ReadObjectAsync(context, options.Value, cancellationToken);
        var root = body.RootElement;
        OnlyKnown(root, "role", "agents", "name", "expiresAt");
        var role = OptionalString(root, "role") ?? throw ServiceException.Invalid("role", "is required: admin, client or agent");
        if (!Roles.IsKeyRole(role))
        {
            throw ServiceException.Invalid("role", $"must be admin, client or agent, not '{Truncate(role)}'");
        }

        var agents = new List<string>();
        if (root.TryGetProperty("agents", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw ServiceException.Invalid("agents", "must be an array of agent ids");
            }

            foreach (var item in list.EnumerateArray())
            {
                var agent = item.ValueKind == JsonValueKind.String ? item.GetString()! : throw ServiceException.Invalid("agents", "must be an array of agent ids");
                if (!(AgentCatalog.IsValidId(agent) || (agent == Caller.AllAgents && role == Roles.Client)))
                {
                    throw ServiceException.Invalid("agents", $"'{Truncate(agent)}' is not an agent id (1-64 letters, digits, '.', '_', '-'; '*' for every agent, client keys only)");
                }

                if (!agents.Contains(agent))
                {
                    agents.Add(agent);
                }
            }
        }

        switch (role)
        {
            case Roles.Admin when agents.Count > 0:
                throw ServiceException.Invalid("agents", "an admin key reaches every agent; give no agents");
            case Roles.Client when agents.Count == 0:
                throw ServiceException.Invalid("agents", "a client key needs the agents it may use (or '*')");
            case Roles.Agent when agents.Count != 1:
                throw ServiceException.Invalid("agents", "an agent key is for exactly one agent");
        }

        var name = OptionalString(root, "name");
        if (name is { Length: > MaxNameLength })
        {
            throw ServiceException.Invalid("name", $"must be at most {MaxNameLength} characters");
        }

        var now = time.GetUtcNow();
        DateTimeOffset? expires = OptionalString(root, "expiresAt") is { } text ? ParseTime("expiresAt", text) : null;
        if (expires <= now)
        {
            throw ServiceException.Invalid("expiresAt", "must be in the future");
        }

        var (keyId, key) = ApiKeys.Mint();
        var record = new ApiKeyRecord(keyId, name, role, agents, now, expires, null);
        await store.CreateAsync(record, ApiKeys.Hash(key), cancellationToken);
        AuditTarget.Set(context, $"keyId={keyId}"); // as the route names it on revocation
        return JsonObjectResult.Of(w =>
        {
            WriteKey(w, record, now);
            w.WriteString("key", key);
        }, StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListKeysAsync(HttpRequest request, IApiKeyStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var page = RequestParsing.ParsePaging(request.Query);
        var (items, total) = await store.ListAsync(page.PageNumber, page.PageSize, cancellationToken);
        var now = time.GetUtcNow();
        return JsonObjectResult.Of(w =>
        {
            w.WriteStartArray("items");
            foreach (var key in items)
            {
                w.WriteStartObject();
                WriteKey(w, key, now);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WritePagination(w, total, page);
        });
    }

    /// <summary>Revokes a key at once (on every node within the key cache time). Revoking again changes nothing.</summary>
    private static async Task<IResult> RevokeKeyAsync(string keyId, IApiKeyStore store, CredentialVerifier verifier, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        ApiKeyRecord? key;
        try
        {
            key = await store.RevokeAsync(keyId, now, cancellationToken);
        }
        catch (LastAdminKeyException ex)
        {
            throw new ServiceException(ErrorCode.Conflict, ex.Message);
        }

        if (key is null)
        {
            throw ServiceException.NotFound($"Unable to find API key '{Truncate(keyId)}'.");
        }

        verifier.Forget(keyId);
        return JsonObjectResult.Of(w => WriteKey(w, key, now));
    }

    /// <summary><c>GET /v1/audit?actor=&amp;action=&amp;since=&amp;until=&amp;current_page=&amp;page_size=</c>, oldest first.</summary>
    private static async Task<IResult> QueryAuditAsync(HttpRequest request, IAuditLog audit, CancellationToken cancellationToken)
    {
        var page = RequestParsing.ParsePaging(request.Query);
        var query = new AuditQuery(
            QueryText(request, "actor"),
            QueryText(request, "action"),
            QueryText(request, "since") is { } since ? ParseTime("since", since) : null,
            QueryText(request, "until") is { } until ? ParseTime("until", until) : null,
            page.PageNumber,
            page.PageSize);
        var (items, total) = await audit.QueryAsync(query, cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteStartArray("items");
            foreach (var e in items)
            {
                w.WriteStartObject();
                w.WriteNumber("seq", e.Seq);
                w.WriteString("time", Runtime.RuntimeSession.Timestamp(e.Time));
                w.WriteString("actor", e.Actor);
                w.WriteString("action", e.Action);
                w.WriteString("target", e.Target);
                w.WriteString("outcome", e.Outcome);
                if (e.Status is { } status)
                {
                    w.WriteNumber("status", status);
                }
                else
                {
                    w.WriteNull("status");
                }

                w.WriteString("traceId", e.TraceId);
                w.WriteString("remoteAddress", e.RemoteAddress);
                w.WriteString("detail", e.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WritePagination(w, total, page);
        });
    }

    private static async Task<IResult> ListSecretsAsync(string agentId, AgentCatalog agents, IAgentSecretStore secrets, CancellationToken cancellationToken)
    {
        RequireAgent(agents, agentId);
        var names = await secrets.ListNamesAsync(agentId, cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("agentId", agentId);
            w.WriteStartArray("secrets");
            foreach (var (name, updatedAt) in names)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("updatedAt", Runtime.RuntimeSession.Timestamp(updatedAt));
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>Sets a secret from <c>{"value": "..."}</c>; the answer names it and never carries the value.</summary>
    private static async Task<IResult> SetSecretAsync(string agentId, string name, HttpContext context, AgentCatalog agents, IAgentSecretStore secrets,
        SecretProtector protector, IOptions<AgentServiceOptions> options, CancellationToken cancellationToken)
    {
        RequireAgent(agents, agentId);
        RequireSecretName(name);
        using var body = await ReadObjectAsync(context, options.Value, cancellationToken);
        OnlyKnown(body.RootElement, "value");
        var value = OptionalString(body.RootElement, "value") ?? throw ServiceException.Invalid("value", "is required: the secret as a string");
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxSecretBytes)
        {
            throw ServiceException.Invalid("value", $"must be at most {MaxSecretBytes} bytes");
        }

        var updatedAt = await secrets.SetAsync(agentId, name, protector.Protect(value), cancellationToken);
        return JsonObjectResult.Of(w =>
        {
            w.WriteString("agentId", agentId);
            w.WriteString("name", name);
            w.WriteString("updatedAt", Runtime.RuntimeSession.Timestamp(updatedAt));
        });
    }

    private static async Task<IResult> DeleteSecretAsync(string agentId, string name, AgentCatalog agents, IAgentSecretStore secrets, CancellationToken cancellationToken)
    {
        RequireAgent(agents, agentId);
        RequireSecretName(name);
        return await secrets.DeleteAsync(agentId, name, cancellationToken)
            ? TypedResults.NoContent()
            : throw ServiceException.NotFound($"Agent '{agentId}' has no secret named '{name}'.");
    }

    private static async Task<IResult> GetConfigAsync(string agentId, AgentCatalog agents, AgentConfiguration configuration, CancellationToken cancellationToken)
    {
        var agent = RequireAgent(agents, agentId);
        var (config, version, source) = await configuration.GetAsync(agent, cancellationToken);
        return ConfigResult(agentId, config, version, source);
    }

    /// <summary>Replaces the agent's config with the body (a JSON object); runtimes read it with <c>config.get</c>.</summary>
    private static async Task<IResult> SetConfigAsync(string agentId, HttpContext context, AgentCatalog agents, AgentConfiguration configuration,
        TimeProvider time, IOptions<AgentServiceOptions> options, CancellationToken cancellationToken)
    {
        RequireAgent(agents, agentId);
        using var body = await ReadObjectAsync(context, options.Value, cancellationToken);
        var version = await configuration.SetAsync(agentId, body.RootElement, time.GetUtcNow(), cancellationToken);
        return ConfigResult(agentId, body.RootElement, $"cfg-v{version}", "admin");
    }

    private static JsonObjectResult ConfigResult(string agentId, JsonElement config, string version, string source) => JsonObjectResult.Of(w =>
    {
        w.WriteString("agentId", agentId);
        w.WritePropertyName("config");
        config.WriteTo(w);
        w.WriteString("configVersion", version);
        w.WriteString("source", source);
    });

    private static AgentDefinition RequireAgent(AgentCatalog agents, string agentId) =>
        agents.TryGet(agentId, out var agent) ? agent : throw ServiceException.NotFound($"Unable to find agent '{Truncate(agentId)}'.");

    private static void RequireSecretName(string name)
    {
        if (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw ServiceException.Invalid("name", $"a secret name is 1-{MaxNameLength} letters, digits, '_', '-', '.'");
        }
    }

    private static async Task<JsonDocument> ReadObjectAsync(HttpContext context, AgentServiceOptions options, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request, options.MaxJsonBodyBytes, options.MaxJsonDepth, cancellationToken);
        if (body?.RootElement.ValueKind != JsonValueKind.Object)
        {
            body?.Dispose();
            throw ServiceException.Invalid("body", "must be a JSON object");
        }

        return body;
    }

    private static void OnlyKnown(JsonElement root, params string[] names)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (Array.IndexOf(names, property.Name) < 0)
            {
                throw ServiceException.Invalid(Truncate(property.Name), $"is not a known field (known: {string.Join(", ", names)})");
            }
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw ServiceException.Invalid(name, "must be a string");

    private static string? QueryText(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count switch
        {
            0 => null,
            1 when values[0] is { Length: > 0 and <= 256 } value => value,
            1 => throw ServiceException.Invalid(name, "must be 1-256 characters"),
            _ => throw ServiceException.Invalid(name, "must be given once"),
        };
    }

    private static DateTimeOffset ParseTime(string field, string text) =>
        text.Length <= 64 && Protocol.Schema.Text.Rfc3339.IsDateTime(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value.ToUniversalTime()
            : throw ServiceException.Invalid(field, $"must be an RFC 3339 time with a zone, like 2026-01-31T12:00:00Z, not '{Truncate(text)}'");

    private static void WriteKey(System.Text.Json.Utf8JsonWriter w, ApiKeyRecord key, DateTimeOffset now)
    {
        w.WriteString("keyId", key.KeyId);
        w.WriteString("name", key.Name);
        w.WriteString("role", key.Role);
        w.WriteStartArray("agents");
        foreach (var agent in key.Agents)
        {
            w.WriteStringValue(agent);
        }

        w.WriteEndArray();
        w.WriteString("createdAt", Runtime.RuntimeSession.Timestamp(key.CreatedAt));
        WriteTime(w, "expiresAt", key.ExpiresAt);
        WriteTime(w, "revokedAt", key.RevokedAt);
        w.WriteBoolean("active", key.IsActive(now));
    }

    private static void WriteTime(System.Text.Json.Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            w.WriteString(name, Runtime.RuntimeSession.Timestamp(value));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WritePagination(System.Text.Json.Utf8JsonWriter w, int total, PageRequest page)
    {
        w.WriteStartObject("pagination");
        w.WriteNumber("totalItems", total);
        w.WriteNumber("totalPages", (total + page.PageSize - 1) / page.PageSize);
        w.WriteNumber("currentPage", page.PageNumber);
        w.WriteNumber("pageSize", page.PageSize);
        w.WriteEndObject();
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";

}
