using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc keys|audit|secrets|config</c>: the admin APIs (they need an admin key).</summary>
internal static class AdminCommands
{
    public static Command Keys(TextWriter output, TextWriter error)
    {
        var keys = new Command("keys", "Create, list and revoke API keys (admin).");

        var role = new Option<string>("--role") { Description = "admin, client or agent.", Required = true };
        role.AcceptOnlyFromAmong("admin", "client", "agent");
        var agents = new Option<string[]>("--agent") { Description = "An agent the key is for (client: repeat for several, '*' for all; agent: exactly one)." };
        var name = new Option<string?>("--name") { Description = "A label to recognise the key by." };
        var expires = new Option<string?>("--expires") { Description = "When the key stops working: an RFC 3339 time, or a duration like 30d, 12h, 90m." };
        var create = new Command("create", "Create a key and print it (shown once: store it now).") { role, agents, name, expires };
        create.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var expiresAt = ParseExpiry(parseResult.GetValue(expires));
            var key = await context.Admin().CreateKeyAsync(parseResult.GetValue(role)!, parseResult.GetValue(agents), parseResult.GetValue(name), expiresAt, cancellationToken);
            if (context.Json)
            {
                context.WriteLine(key.GetRawText());
                return;
            }

            context.WriteLine($"created {key.GetProperty("keyId").GetString()} ({key.GetProperty("role").GetString()})");
            context.WriteLine($"key (shown once): {key.GetProperty("key").GetString()}");
        }));

        var list = new Command("list", "List keys (never the keys themselves).") { CommonPage, CommonPageSize };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var page = await context.Admin().ListKeysAsync(parseResult.GetValue(CommonPage) ?? 1, parseResult.GetValue(CommonPageSize) ?? 100, cancellationToken);
            if (context.Json)
            {
                context.WriteLine(page.GetRawText());
                return;
            }

            foreach (var key in page.GetProperty("items").EnumerateArray())
            {
                var agentList = string.Join(",", key.GetProperty("agents").EnumerateArray().Select(a => a.GetString()));
                var state = key.GetProperty("active").GetBoolean() ? "active" : key.GetProperty("revokedAt").ValueKind == JsonValueKind.String ? "revoked" : "expired";
                context.WriteLine($"{key.GetProperty("keyId").GetString(),-20} {key.GetProperty("role").GetString(),-6} {state,-8} {agentList,-24} {Text(key, "name")}");
            }
        }));

        var revokeId = CommonOptions.Id("KEY_ID", "The key id (as keys list shows it).");
        var revoke = new Command("revoke", "Revoke a key: it stops working at once.") { revokeId };
        revoke.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var key = await context.Admin().RevokeKeyAsync(parseResult.GetValue(revokeId)!, cancellationToken);
            context.WriteLine(context.Json ? key.GetRawText() : $"revoked {key.GetProperty("keyId").GetString()}");
        }));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    public static Command Audit(TextWriter output, TextWriter error)
    {
        var actor = new Option<string?>("--actor") { Description = "Only this actor, e.g. key:key0123abcd, run:run_..., anonymous." };
        var action = new Option<string?>("--action") { Description = "Only this action, e.g. 'POST /ap/v1/agent/tasks' or runtime.attach." };
        var since = new Option<string?>("--since") { Description = "From this time (RFC 3339, or a duration back from now like 1h)." };
        var until = new Option<string?>("--until") { Description = "Before this time (RFC 3339, or a duration back from now)." };
        var audit = new Command("audit", "Read the audit log (admin), oldest first.") { actor, action, since, until, CommonPage, CommonPageSize };
        audit.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var page = await context.Admin().QueryAuditAsync(parseResult.GetValue(actor), parseResult.GetValue(action),
                ParseTimeOrAgo(parseResult.GetValue(since)), ParseTimeOrAgo(parseResult.GetValue(until)),
                parseResult.GetValue(CommonPage) ?? 1, parseResult.GetValue(CommonPageSize) ?? 100, cancellationToken);
            if (context.Json)
            {
                context.WriteLine(page.GetRawText());
                return;
            }

            foreach (var e in page.GetProperty("items").EnumerateArray())
            {
                context.WriteLine($"{Text(e, "time")}  {Text(e, "outcome"),-7} {e.GetProperty("status")}  {Text(e, "actor"),-26} {Text(e, "action")}  {Text(e, "target")}");
            }

            var pagination = page.GetProperty("pagination");
            context.WriteLine($"page {pagination.GetProperty("currentPage")} of {pagination.GetProperty("totalPages")} ({pagination.GetProperty("totalItems")} entries)");
        }));
        return audit;
    }

    public static Command Secrets(TextWriter output, TextWriter error)
    {
        var secrets = new Command("secrets", "List, set and delete an agent's secrets (admin). Values are never shown.");

        var listAgent = CommonOptions.Id("AGENT", "The agent id.");
        var list = new Command("list", "The names of the agent's secrets.") { listAgent };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.Admin().ListSecretsAsync(parseResult.GetValue(listAgent)!, cancellationToken);
            if (context.Json)
            {
                context.WriteLine(result.GetRawText());
                return;
            }

            foreach (var s in result.GetProperty("secrets").EnumerateArray())
            {
                context.WriteLine($"{Text(s, "name"),-32} set {Text(s, "updatedAt")}");
            }
        }));

        var setAgent = CommonOptions.Id("AGENT", "The agent id.");
        var setName = CommonOptions.Id("NAME", "The secret's name.");
        var value = new Option<string?>("--value") { Description = "The value (default: read from standard input, so it stays out of shell history)." };
        var set = new Command("set", "Set a secret (stored encrypted).") { setAgent, setName, value };
        set.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var text = parseResult.GetValue(value) ?? (await Console.In.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
            var result = await context.Admin().SetSecretAsync(parseResult.GetValue(setAgent)!, parseResult.GetValue(setName)!, text, cancellationToken);
            context.WriteLine(context.Json ? result.GetRawText() : $"set {Text(result, "agentId")}/{Text(result, "name")}");
        }));

        var deleteAgent = CommonOptions.Id("AGENT", "The agent id.");
        var deleteName = CommonOptions.Id("NAME", "The secret's name.");
        var delete = new Command("delete", "Delete a secret.") { deleteAgent, deleteName };
        delete.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            await context.Admin().DeleteSecretAsync(parseResult.GetValue(deleteAgent)!, parseResult.GetValue(deleteName)!, cancellationToken);
            context.WriteLine($"deleted {parseResult.GetValue(deleteAgent)}/{parseResult.GetValue(deleteName)}");
        }));

        secrets.Subcommands.Add(list);
        secrets.Subcommands.Add(set);
        secrets.Subcommands.Add(delete);
        return secrets;
    }

    public static Command Config(TextWriter output, TextWriter error)
    {
        var config = new Command("config", "Show and replace an agent's config (admin); runtimes read it with config.get.");

        var getAgent = CommonOptions.Id("AGENT", "The agent id.");
        var get = new Command("get", "Show the agent's config and its version.") { getAgent };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.Admin().GetConfigAsync(parseResult.GetValue(getAgent)!, cancellationToken);
            context.WriteLine(context.Json ? result.GetRawText() : $"{Text(result, "configVersion")} ({Text(result, "source")})\n{result.GetProperty("config").GetRawText()}");
        }));

        var setAgent = CommonOptions.Id("AGENT", "The agent id.");
        var json = new Argument<string>("JSON") { Description = "The new config: a JSON object." };
        var set = new Command("set", "Replace the agent's config.") { setAgent, json };
        set.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var text = parseResult.GetValue(json)!;
            _ = TaskCommands.ParseObject(text, "JSON");
            var result = await context.Admin().SetConfigAsync(parseResult.GetValue(setAgent)!, text, cancellationToken);
            context.WriteLine(context.Json ? result.GetRawText() : $"set config of {Text(result, "agentId")}: {Text(result, "configVersion")}");
        }));

        config.Subcommands.Add(get);
        config.Subcommands.Add(set);
        return config;
    }

    private static readonly Option<int?> CommonPage = CommonOptions.Page();
    private static readonly Option<int?> CommonPageSize = CommonOptions.PageSize();

    /// <summary>A string field for a one-line listing: a line feed in it is shown as <c>\u000A</c>, so a value cannot
    /// make a listing show an extra, forged, line (other control characters are escaped for every line printed).</summary>
    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!.Replace("\n", "\\u000A", StringComparison.Ordinal) : "";

    /// <summary>An RFC 3339 time, or a duration (<c>30d</c>, <c>12h</c>, <c>90m</c>) from now.</summary>
    private static DateTimeOffset? ParseExpiry(string? text) => text is null ? null : ParseDuration(text) is { } span ? DateTimeOffset.UtcNow + span : ParseTime(text);

    /// <summary>An RFC 3339 time, or a duration back from now.</summary>
    private static DateTimeOffset? ParseTimeOrAgo(string? text) => text is null ? null : ParseDuration(text) is { } span ? DateTimeOffset.UtcNow - span : ParseTime(text);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new UsageException($"'{text}' is neither an RFC 3339 time nor a duration like 30d, 12h, 90m.");

    private static TimeSpan? ParseDuration(string text)
    {
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return text[^1] switch
        {
            'd' => TimeSpan.FromDays(n),
            'h' => TimeSpan.FromHours(n),
            'm' => TimeSpan.FromMinutes(n),
            's' => TimeSpan.FromSeconds(n),
            _ => null,
        };
    }
}
