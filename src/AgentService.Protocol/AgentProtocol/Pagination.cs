using System.Text.Json.Serialization;

namespace AgentService.Protocol.AgentProtocol;

/// <summary>Paging information of a list response.</summary>
public sealed class Pagination
{
    /// <summary>Total number of items.</summary>
    [JsonPropertyName("total_items")]
    public required long TotalItems { get; init; }

    /// <summary>Total number of pages: ceil(total_items / page_size).</summary>
    [JsonPropertyName("total_pages")]
    public required long TotalPages { get; init; }

    /// <summary>The page returned (1-based).</summary>
    [JsonPropertyName("current_page")]
    public required int CurrentPage { get; init; }

    /// <summary>Number of items per page.</summary>
    [JsonPropertyName("page_size")]
    public required int PageSize { get; init; }

    /// <summary>Builds the pagination block for a page of <paramref name="totalItems"/> items.</summary>
    public static Pagination For(long totalItems, int currentPage, int pageSize) => new()
    {
        TotalItems = totalItems,
        TotalPages = pageSize <= 0 ? 0 : (totalItems + pageSize - 1) / pageSize,
        CurrentPage = currentPage,
        PageSize = pageSize,
    };
}
