using System.Security.Cryptography;
using AgentService.Server.Agents;
using AgentService.Server.Storage;

namespace AgentService.Server.Security;

/// <summary>
/// At start: stores the agents file's secrets encrypted under the current key (added to or replacing those of the
/// same name; secrets set through the admin API stay), and
/// re-encrypts every stored gateway webhook secret that is under a previous key (key rotation).
/// </summary>
internal sealed class SecretsInitializer(AgentCatalog agents, IAgentSecretStore secrets, IGatewayAgentStore gatewayAgents, SecretProtector protector) : IHostedService
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

        await RotateAgentSecretsAsync(cancellationToken);
        await RotateWebhookSecretsAsync(cancellationToken);
    }

    /// <summary>Re-encrypts agents' secrets (those set through the admin API included) that are under a previous key.</summary>
    private async Task RotateAgentSecretsAsync(CancellationToken cancellationToken)
    {
        foreach (var agentId in await secrets.ListAgentIdsAsync(cancellationToken))
        {
            foreach (var (name, value) in await secrets.GetAsync(agentId, cancellationToken))
            {
                if (protector.NeedsRotation(value))
                {
                    await secrets.SetAsync(agentId, name, protector.Protect(protector.Unprotect(value)), cancellationToken);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RotateWebhookSecretsAsync(CancellationToken cancellationToken)
    {
        foreach (var (agentId, value) in await gatewayAgents.ListWebhookSecretsAsync(cancellationToken))
        {
            if (!protector.NeedsRotation(value))
            {
                continue;
            }

            string plaintext;
            try
            {
                plaintext = WebhookSecretText(value);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidOperationException(
                    $"The webhook secret of gateway agent '{agentId}' is encrypted under a key this node does not have. Every node sharing " +
                    "a database needs the same AgentService:Security:SecretKey (and the same PreviousSecretKeys after a rotation).", ex);
            }

            // Conditional: another node starting at the same time may have rotated it already.
            await gatewayAgents.ReplaceWebhookSecretAsync(agentId, value, protector.Protect(plaintext), cancellationToken);
        }
    }

    /// <summary>The plaintext of a stored webhook secret: protected, or (from before encryption) a bare <c>whsec_</c> value.</summary>
    private string WebhookSecretText(string stored) =>
        stored.StartsWith(Gateway.WebhookSecrets.Prefix, StringComparison.Ordinal) ? stored : protector.Unprotect(stored);
}
