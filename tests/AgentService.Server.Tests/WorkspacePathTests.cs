using AgentService.Server.AgentProtocol;

namespace AgentService.Server.Tests;

public sealed class WorkspacePathTests
{
    [Theory]
    [InlineData("python/code/", "python/code")]
    [InlineData("a//b/./c", "a/b/c")]
    [InlineData("a\\b", "a/b")]
    [InlineData("./x", "x")]
    [InlineData("names with spaces/ü", "names with spaces/ü")]
    [InlineData("..a/b..", "..a/b..")]
    public void NormalizeRelativePath_AcceptsPathsInsideTheWorkspace(string input, string expected)
    {
        var (path, error) = WorkspacePath.NormalizeRelativePath(input);

        Assert.Null(error);
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("./")]
    public void NormalizeRelativePath_EmptyIsNoPath(string input) => Assert.Equal((null, null), WorkspacePath.NormalizeRelativePath(input));

    [Theory]
    [InlineData("..")]
    [InlineData("a/../..")]
    [InlineData("a/..")]
    [InlineData("/abs")]
    [InlineData("\\abs")]
    [InlineData("C:")]
    [InlineData("z:\\x")]
    [InlineData("a\\..\\..")]
    [InlineData("a\u0000b")]
    [InlineData("line\nbreak")]
    [InlineData("~/x")]
    [InlineData(" .. /x")]
    public void NormalizeRelativePath_RejectsEscapes(string input)
    {
        var (path, error) = WorkspacePath.NormalizeRelativePath(input);

        Assert.Null(path);
        Assert.NotNull(error);
    }

    [Fact]
    public void NormalizeRelativePath_RejectsOverlongPaths() =>
        Assert.NotNull(WorkspacePath.NormalizeRelativePath(new string('a', WorkspacePath.MaxLength + 1)).Error);

    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("\"quoted.txt\"", "quoted.txt")]
    [InlineData("C:\\Users\\me\\file.txt", "file.txt")]
    [InlineData("../../etc/passwd", "passwd")]
    public void NormalizeFileName_KeepsTheLastSegment(string input, string expected) =>
        Assert.Equal(expected, WorkspacePath.NormalizeFileName(input).Name);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("dir/")]
    [InlineData("a\u0001b")]
    public void NormalizeFileName_RejectsMissingOrUnsafeNames(string? input) =>
        Assert.NotNull(WorkspacePath.NormalizeFileName(input).Error);
}
