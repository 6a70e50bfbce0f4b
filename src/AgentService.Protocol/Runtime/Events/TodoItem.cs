using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>One item of a todo list.</summary>
public sealed class TodoItem
{
    /// <summary>Item id.</summary>
    [JsonPropertyName("itemId")]
    public required string ItemId { get; init; }

    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public required string Title { get; init; }

    /// <summary>pending, in_progress, completed, cancelled, blocked.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Detail.</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; init; }

    /// <summary>Order.</summary>
    [JsonPropertyName("order")]
    public int? Order { get; init; }

    /// <summary>Blocking item ids.</summary>
    [JsonPropertyName("blockedBy")]
    public IReadOnlyList<string>? BlockedBy { get; init; }

    /// <summary>Linked run.</summary>
    [JsonPropertyName("linkedRunId")]
    public string? LinkedRunId { get; init; }
}
