using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime.Events;

/// <summary>Data of <c>todo.updated</c>: a full snapshot of a checklist.</summary>
public sealed class TodoUpdatedData
{
    /// <summary><c>todo_</c> id.</summary>
    [JsonPropertyName("listId")]
    public required string ListId { get; init; }

    /// <summary>Increases per list.</summary>
    [JsonPropertyName("revision")]
    public required int Revision { get; init; }

    /// <summary>Title.</summary>
    [JsonPropertyName("title")]
    public string? Title { get; init; }

    /// <summary>The items.</summary>
    [JsonPropertyName("items")]
    public required IReadOnlyList<TodoItem> Items { get; init; }
}
