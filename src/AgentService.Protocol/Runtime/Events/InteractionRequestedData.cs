using System.Text.Json;
using System.Text.Json.Serialization;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>interaction.requested</c>: a human-in-the-loop request.</summary>
public sealed class InteractionRequestedData
{
    /// <summary><c>ixn_</c> id.</summary>
    [JsonPropertyName("interactionId")]
    public required string InteractionId { get; init; }

    /// <summary>approval, input, choice, confirmation.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public string? Title { get; init; }

    /// <summary>Prompt.</summary>
    [JsonPropertyName("prompt")]
    public required string Prompt { get; init; }

    /// <summary>What it is about.</summary>
    [JsonPropertyName("subject")]
    public Values.EntityRef? Subject { get; init; }

    /// <summary>Required for kind input.</summary>
    [JsonPropertyName("responseSchema")]
    public JsonElement? ResponseSchema { get; init; }

    /// <summary>Required for kind choice.</summary>
    [JsonPropertyName("choices")]
    public IReadOnlyList<InteractionChoice>? Choices { get; init; }

    /// <summary>Whether the run waits.</summary>
    [JsonPropertyName("blocking")]
    public bool? Blocking { get; init; }

    /// <summary>Expiry.</summary>
    [JsonPropertyName("expiresAt")]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>deny, cancel_run, continue.</summary>
    [JsonPropertyName("onExpiry")]
    public string? OnExpiry { get; init; }

    /// <summary>Who should answer.</summary>
    [JsonPropertyName("assignee")]
    public Values.Actor? Assignee { get; init; }
}
