using System.Text;
using AgentService.Samples.EchoAgent;

namespace AgentService.Server.Tests;

/// <summary>The one reading of "write WORDS to a FILE" requests, shared by the EchoAgent runtime and the built-in echo.</summary>
public sealed class WriteFileRequestTests
{
    [Theory]
    [InlineData("Write the word 'Washington' to a .txt file", "output.txt", "Washington")]
    [InlineData("Write 'Washington' to the file 'output.txt'.", "output.txt", "Washington")]
    [InlineData("please write the words \"hello world\" into a file named", "output.txt", "hello world")]
    [InlineData("Write the text ‘café’ to a .MD file", "output.md", "café")]
    [InlineData("write 'x' to the file '../../etc/passwd'", "passwd", "x")]
    public void Parse_RecognisesRequestsToWriteWords(string text, string fileName, string content)
    {
        var file = WriteFileRequest.Parse(text);

        Assert.NotNull(file);
        Assert.Equal(fileName, file.FileName);
        Assert.Equal(content, Encoding.UTF8.GetString(file.Content.Span));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("Write the words you receive to the file 'output.txt'.")]
    [InlineData("rewrite everything")]
    [InlineData(null)]
    public void Parse_IgnoresOtherText(string? text) => Assert.Null(WriteFileRequest.Parse(text));
}
