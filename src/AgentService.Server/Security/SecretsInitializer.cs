using AgentService.Server.Agents;
using AgentService.Server.Storage;
using AgentService.Server.Storage.Sqlite;

namespace AgentService.Server.Security;

/// <summary>
/// At start: stores the agents file's secrets encrypted under the current key (added to or replacing those of the
/// same name; secrets set through the admin API stay), and
/// re-encrypts every stored gateway webhook secret that is under a previous key (key rotation).
/// </summary>
internal sealed class SecretsInitializer(AgentCatalog agents, IAgentSecretStore secrets, SqliteDatabase database, SecretProtector protector) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The file sets the secrets it names; secrets set through the admin API are kept.
        foreach (var agent in agents.All)
        {
            foreach (var (name, value) in agent.Secrets)
            {
                await secrets.SetAsync(agent.Id, name, protector.Protect(value), cancellationToken);
            }
        }

        await RotateWebhookSecretsAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RotateWebhookSecretsAsync(CancellationToken cancellationToken)
    {
        var stale = new List<(string AgentId, string Value)>();
        using (var connection = database.OpenRead())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT agent_id, webhook_secret FROM gateway_agents";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var value = reader.GetString(1);
                if (protector.NeedsRotation(value))
                {
                    stale.Add((reader.GetString(0), value));
                }
            }
        }

        foreach (var (agentId, value) in stale)
        {
            var rotated = protector.Protect(WebhookSecretText(value));
            await database.Writer.WriteAsync(
                commands => commands.Get("UPDATE gateway_agents SET webhook_secret = $new WHERE agent_id = $agent AND webhook_secret = $old")
                    .With("$new", rotated).With("$agent", agentId).With("$old", value).ExecuteNonQuery(),
                cancellationToken);
        }
    }

    /// <summary>The plaintext of a stored webhook secret: protected, or (from before encryption) a bare <c>whsec_</c> value.</summary>
    private string WebhookSecretText(string stored) =>
        stored.StartsWith(Gateway.WebhookSecrets.Prefix, StringComparison.Ordinal) ? stored : protector.Unprotect(stored);
}
