using System.Text.Json;
using AgentService.Runtime;

namespace AgentService.Samples.OpenAIAgent;

/// <summary>
/// Where and how to call the model: the agent's <c>config</c> (<c>baseUrl</c>, <c>model</c>, optional
/// <c>instructions</c>), else the environment (<c>OPENAI_BASE_URL</c>, <c>OPENAI_MODEL</c>); the key is the agent's
/// secret <c>OPENAI_API_KEY</c>, else the environment variable of that name. The base URL defaults to OpenAI's.
/// </summary>
internal sealed record OpenAISettings(Uri BaseUrl, string Model, string ApiKey, string? Instructions)
{
    public static async Task<OpenAISettings> ReadAsync(IRuntimeConnection connection, CancellationToken cancellationToken)
    {
        var config = await connection.GetConfigAsync(cancellationToken).ConfigureAwait(false);
        var secrets = await connection.GetSecretsAsync([OpenAIStepAgent.ApiKeySecret], cancellationToken).ConfigureAwait(false);
        var baseUrl = Setting(config, "baseUrl", "OPENAI_BASE_URL") ?? "https://api.openai.com/v1";
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"baseUrl must be an absolute http(s) URL, not '{baseUrl}'.");
        }

        var model = Setting(config, "model", "OPENAI_MODEL")
            ?? throw new InvalidOperationException("No model: set \"model\" in the agent's config (or OPENAI_MODEL).");
        var key = secrets.TryGetValue(OpenAIStepAgent.ApiKeySecret, out var secret) && secret.Length > 0 ? secret : Environment.GetEnvironmentVariable(OpenAIStepAgent.ApiKeySecret);
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException($"No API key: give the agent the secret {OpenAIStepAgent.ApiKeySecret} (or set that environment variable).");
        }

        return new OpenAISettings(uri, model, key, Setting(config, "instructions", null));
    }

    private static string? Setting(JsonElement config, string name, string? variable) =>
        config.ValueKind == JsonValueKind.Object && config.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : variable is null ? null : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } env ? env : null;
}
