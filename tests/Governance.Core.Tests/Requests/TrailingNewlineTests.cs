using Governance.Core.Audit;
using Governance.Core.Requests;

namespace Governance.Core.Tests.Requests;

/// <summary>
/// An identifier or address with a trailing newline is not valid: in .NET a pattern ending in '$' also matches
/// before a final '\n', so every validating pattern ends in '\z'.
/// </summary>
public sealed class TrailingNewlineTests
{
    [Theory]
    [InlineData("local:12")]
    [InlineData("request.create")]
    public void Identifier_WithATrailingNewline_IsRefused(string valid)
    {
        Assert.True(AuditRecord.IsIdentifier(valid));
        Assert.False(AuditRecord.IsIdentifier(valid + "\n"));
    }

    [Fact]
    public void Phone_WithATrailingNewline_IsRefused()
    {
        Assert.True(ContactFormats.IsPhone("+447700900123"));
        Assert.False(ContactFormats.IsPhone("+447700900123\n"));
    }

    [Fact]
    public void AuditAction_WithATrailingNewline_IsRefused()
    {
        var actor = AuditActor.System("test");
        new AuditRecord(actor, "request.create", AuditOutcome.Success).Validate();
        Assert.Throws<ArgumentException>(() => new AuditRecord(actor, "request.create\n", AuditOutcome.Success).Validate());
    }
}
