using System.Text.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AgentService.Server.Tests;

public sealed class RequestParsingTests
{
    private static QueryCollection Query(params (string Key, string[] Values)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => new StringValues(p.Values)));

    [Fact]
    public void ParsePaging_Defaults()
    {
        var page = RequestParsing.ParsePaging(Query());

        Assert.Equal(1, page.PageNumber);
        Assert.Equal(10, page.PageSize);
        Assert.Equal((1, 10), page.SeqRange);
    }

    [Fact]
    public void ParsePaging_RangeOfALaterPage()
    {
        var page = RequestParsing.ParsePaging(Query(("current_page", ["1000"]), ("page_size", ["100"])));

        Assert.Equal((99_901, 100_000), page.SeqRange);
    }

    [Theory]
    [InlineData("page_size", "0")]
    [InlineData("page_size", "101")]
    [InlineData("current_page", "0")]
    [InlineData("current_page", "2147483648")]
    [InlineData("current_page", "1e3")]
    public void ParsePaging_OutOfRange_NamesTheField(string field, string value)
    {
        var error = Assert.Throws<ServiceException>(() => RequestParsing.ParsePaging(Query((field, [value]))));

        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Equal(field, Assert.Single(error.FieldErrors!).Field);
    }

    [Fact]
    public void ParseInputBody_KeepsAdditionalInputAsRawJson()
    {
        using var body = JsonDocument.Parse("""{"input":"x","additional_input":{"deep":{"n":1.0}},"ignored":true}""");

        var (input, extra) = RequestParsing.ParseInputBody(body);

        Assert.Equal("x", input);
        Assert.Equal("""{"deep":{"n":1.0}}""", extra);
    }
}
