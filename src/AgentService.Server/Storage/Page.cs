namespace AgentService.Server.Storage;

/// <summary>One page of a list, with the number of items in the whole list.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, long TotalItems);

/// <summary>A page request: 1-based page number and page size, both already validated.</summary>
internal readonly record struct PageRequest(int PageNumber, int PageSize)
{
    /// <summary>The positions (1-based, inclusive) of the page's items in a gap-free sequence.</summary>
    public (long First, long Last) SeqRange => ((long)(PageNumber - 1) * PageSize + 1, (long)PageNumber * PageSize);
}
