using System.Text;

namespace Governance.Core.Exports;

/// <summary>The README of an access package, in the person's language: what the package is, each file, and how to check it.</summary>
public static class PackageReadme
{
    public static string English(PackageWriter.Source source, IReadOnlyList<PackageEntry> entries)
    {
        var sb = new StringBuilder();
        sb.Append($"""
            # Your personal data: {source.Reference}

            This package holds the personal data about you that the chat system keeps in its {source.Region} region
            (store "{source.Store}"), as it was on {source.At.UtcDateTime:yyyy-MM-dd HH:mm} UTC. It answers your request
            for access (GDPR Art. 15) and for a copy you can take elsewhere (Art. 20).

            ## The files
            Each kind of data is given twice, with the same rows: as JSON Lines (`.jsonl`, one JSON object per line) and
            as CSV (`.csv`, opens in any spreadsheet). Messages and rows you share with other people show only what is
            yours; other people appear by an id, never by their name or address.

            | file | what it holds | rows |
            | --- | --- | --- |

            """);
        foreach (var e in entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            sb.Append($"| `{e.Name}` (and `.csv`) | {e.Collection}: {e.What} | {e.Rows:N0} |\n");
        }

        var files = entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal));
        sb.Append($"""

            `files/` holds the {files:N0} file(s) you shared, as they are stored. `summary.pdf` says, per kind of data, why it is
            kept, for how long, who else receives it and how many rows you have. `manifest.json` lists every file with its
            size and SHA-256, and each data file's columns and row count.

            ## Checking the package
            In the folder where you unpacked it, `sha256sum -c SHA256SUMS` checks that every file is complete and
            unchanged.

            ## Questions and complaints
            Reply to the message that brought you this package. You may also complain to a data protection supervisory
            authority, in particular in the country where you live or work.

            """);
        return sb.ToString();
    }

    public static string Chinese(PackageWriter.Source source, IReadOnlyList<PackageEntry> entries)
    {
        var sb = new StringBuilder();
        sb.Append($"""
            # 您的个人数据：{source.Reference}

            本数据包包含聊天系统在其 {source.Region} 区域（存储“{source.Store}”）中保存的关于您的个人数据，截至 UTC 时间
            {source.At.UtcDateTime:yyyy-MM-dd HH:mm}。它答复您的查阅请求（GDPR 第 15 条）以及可携带副本的请求（第 20 条）。

            ## 文件
            每类数据均提供两份相同的行：JSON Lines（`.jsonl`，每行一个 JSON 对象）和 CSV（`.csv`，可用任何电子表格打开）。
            您与他人共享的消息和记录只显示属于您的内容；其他人仅以编号出现，不显示姓名或地址。

            | 文件 | 内容 | 行数 |
            | --- | --- | --- |

            """);
        foreach (var e in entries.Where(e => e.Rows is not null && e.Name.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            sb.Append($"| `{e.Name}`（及 `.csv`） | {e.Collection}：{e.What} | {e.Rows:N0} |\n");
        }

        var files = entries.Count(e => e.Name.StartsWith("files/", StringComparison.Ordinal));
        sb.Append($"""

            `files/` 包含您共享的 {files:N0} 个文件（按存储原样）。`summary.zh-CN.pdf` 按数据类别说明保存目的、保存期限、
            其他接收方以及您的行数。`manifest.json` 列出每个文件的大小和 SHA-256，以及每个数据文件的列和行数。

            ## 核对数据包
            在解压后的文件夹中运行 `sha256sum -c SHA256SUMS`，可核对每个文件完整且未被修改。

            ## 疑问与投诉
            请回复向您发送本数据包的消息。您也可以向数据保护监管机构投诉，尤其是您居住或工作所在国的监管机构。

            """);
        return sb.ToString();
    }
}
