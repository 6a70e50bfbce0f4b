using System.Globalization;
using System.Text.Json;
using AgentService.Runtime.Hosting;

namespace AgentService.Samples.SettingsAgent;

/// <summary>
/// Shows the runtime's typed calls: the agent's <c>config</c> (config.get), one of its <c>secrets</c> (secrets.get —
/// only its length is ever shown), and a counter kept in the session's KV store (kv.get / kv.set), which survives the
/// runtime process: the next attempt or process continues counting.
/// </summary>
public sealed class SettingsStepAgent : IAgent
{
    public const string SecretName = "API_KEY";
    public const string CounterKey = "steps-answered";

    public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = context.Connection;
        var config = await connection.GetConfigAsync(cancellationToken).ConfigureAwait(false);
        var model = config.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "(no model configured)";
        var secrets = await connection.GetSecretsAsync([SecretName], cancellationToken).ConfigureAwait(false);
        var keyLength = secrets.TryGetValue(SecretName, out var key) ? key.Length : 0;

        var stored = await connection.GetKvAsync([CounterKey], cancellationToken).ConfigureAwait(false);
        var count = (stored.TryGetValue(CounterKey, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0) + 1;
        await connection.SetKvAsync(new Dictionary<string, string> { [CounterKey] = count.ToString(CultureInfo.InvariantCulture) }, cancellationToken).ConfigureAwait(false);

        return new StepResult
        {
            Output = $"step {count} with model {model}; {SecretName} has {keyLength} characters",
            IsLast = true,
            Name = "settings",
        };
    }
}
