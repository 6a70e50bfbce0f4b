using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.Cli.Tests;

/// <summary><c>agentsvc keys|audit|secrets|config</c> against a real server in <c>apikey</c> mode.</summary>
public sealed class AdminCliTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private string _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync(null, "--auth", "apikey");
        _admin = (await File.ReadAllTextAsync(Path.Combine(_host.DataDir, "admin.key"))).Trim();
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task KeysCreateListRevoke_AndTheKeyWorksUntilRevoked()
    {
        var (exit, created, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "create", "--role", "client", "--agent", "echo", "--name", "laptop", "--expires", "30d");
        Assert.Equal(0, exit);
        var key = created.Split('\n').Single(l => l.StartsWith("key (shown once): ", StringComparison.Ordinal))["key (shown once): ".Length..].Trim();
        var keyId = key.Split('_')[1];

        var (listExit, listed, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "list");
        Assert.Equal(0, listExit);
        Assert.Contains(keyId, listed, StringComparison.Ordinal);
        Assert.Contains("laptop", listed, StringComparison.Ordinal);

        // A listing is a line per key: a name with a line break cannot add a line that looks like another key.
        var (_, twoLines, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "create", "--role", "client", "--agent", "echo", "--name", "a\nkey9999 admin active");
        Assert.Contains("created", twoLines, StringComparison.Ordinal);
        var (_, relisted, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "list");
        Assert.Contains("a\\u000Akey9999 admin active", relisted, StringComparison.Ordinal);
        Assert.DoesNotContain(relisted.Split('\n'), line => line.StartsWith("key9999", StringComparison.Ordinal));
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);

        var task = await CliRunner.RunJsonAsync(_host.BaseAddress, "--api-key", key, "tasks", "create", "from the cli");
        Assert.Equal("from the cli", task.GetProperty("input").GetString());

        // The client key is not an admin's; without a key at all it is 401.
        var (forbidden, _, forbiddenError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", key, "keys", "list");
        Assert.Equal(ExitCodes.Failed, forbidden);
        Assert.Contains("403", forbiddenError, StringComparison.Ordinal);
        var (anonymous, _, anonymousError) = await CliRunner.RunAsync(_host.BaseAddress, "tasks", "list");
        Assert.Equal(ExitCodes.Failed, anonymous);
        Assert.Contains("401", anonymousError, StringComparison.Ordinal);

        var (revokeExit, revoked, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "revoke", keyId);
        Assert.Equal(0, revokeExit);
        Assert.Contains($"revoked {keyId}", revoked, StringComparison.Ordinal);
        var (after, _, afterError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", key, "tasks", "list");
        Assert.Equal(ExitCodes.Failed, after);
        Assert.Contains("401", afterError, StringComparison.Ordinal);

        // Audit entries are committed right after their answers: read until the last one is there.
        var actions = await Wait.UntilAsync(
            async () => (await CliRunner.RunJsonAsync(_host.BaseAddress, "--api-key", _admin, "audit", "--actor", $"key:{keyId}", "--since", "1h"))
                .GetProperty("items").EnumerateArray().Select(e => $"{e.GetProperty("action").GetString()} {e.GetProperty("outcome").GetString()}").ToList(),
            a => a.Contains("GET /ap/v1/agent/tasks denied"),
            TimeSpan.FromSeconds(10),
            "the refusal after revocation to be audited");
        Assert.Contains("POST /ap/v1/agent/tasks success", actions);
        Assert.Contains("GET /v1/keys denied", actions);
        Assert.Contains("GET /ap/v1/agent/tasks denied", actions);

        var (bad, _, badError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "keys", "create", "--role", "client");
        Assert.Equal(ExitCodes.Failed, bad);
        Assert.Contains("agents", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretsAndConfig_SetListDelete_NeverPrintAValue()
    {
        var (setExit, _, setError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "secrets", "set", "echo", "TOKEN", "--value", "very-secret-cli-value");
        Assert.True(setExit == 0, setError);
        var (listExit, listed, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "secrets", "list", "echo");
        Assert.Equal(0, listExit);
        Assert.Contains("TOKEN", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", listed, StringComparison.Ordinal);
        var (deleteExit, _, _) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "secrets", "delete", "echo", "TOKEN");
        Assert.Equal(0, deleteExit);
        var (again, _, againError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "secrets", "delete", "echo", "TOKEN");
        Assert.Equal(ExitCodes.Failed, again);
        Assert.Contains("404", againError, StringComparison.Ordinal);

        var config = await CliRunner.RunJsonAsync(_host.BaseAddress, "--api-key", _admin, "config", "set", "echo", """{"greeting":"hi"}""");
        Assert.Equal("cfg-v1", config.GetProperty("configVersion").GetString());
        var shown = await CliRunner.RunJsonAsync(_host.BaseAddress, "--api-key", _admin, "config", "get", "echo");
        Assert.Equal("hi", shown.GetProperty("config").GetProperty("greeting").GetString());
        var (notJson, _, notJsonError) = await CliRunner.RunAsync(_host.BaseAddress, "--api-key", _admin, "config", "set", "echo", "[1]");
        Assert.Equal(ExitCodes.Usage, notJson);
        Assert.Contains("JSON object", notJsonError, StringComparison.Ordinal);
    }
}
