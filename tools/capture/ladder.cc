#include "tools/capture/ladder.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sanstls {
namespace capture {

LadderRow handshake_done_note(const std::string& version, const std::string& suite, bool resumed,
                              bool early_data_accepted) {
  LadderRow n;
  n.kind = LadderRow::Kind::note;
  n.title = "handshake done: " + version + ", " + suite + (resumed ? ", resumed" : "") +
            (early_data_accepted ? ", 0-RTT accepted" : "");
  return n;
}

bool Ladder::diverged() const {
  for (const LadderRow& r : rows)
    if (r.kind == LadderRow::Kind::divergence) return true;
  return false;
}

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool contains(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }

// One decoded trace line of a message, or false for lines that are not one.
bool parse_message(const std::string& line, LadderRow* row) {
  bool c2s = starts_with(line, "C->S ");
  if (!c2s && !starts_with(line, "S->C ")) return false;
  row->kind = LadderRow::Kind::message;
  row->client_to_server = c2s;
  std::string rest = line.substr(5);
  if (starts_with(rest, "[decrypted] ")) {
    row->encrypted = true;
    rest = rest.substr(12);
  }
  if (starts_with(rest, "encrypted ") || contains(rest, "does not decrypt")) {
    // A record the decoder has no key for (0-RTT data, a record after a failure).
    row->title = "encrypted record";
    row->detail = rest;
    row->encrypted = true;
    return true;
  }
  if (starts_with(rest, "application data")) {
    row->title = "application data";
    size_t comma = rest.find(", ");
    row->detail = comma == std::string::npos ? "" : rest.substr(comma + 2);
    return true;
  }
  if (starts_with(rest, "Alert ")) {
    row->title = "Alert";
    row->detail = rest.substr(6);
    return true;
  }
  if (starts_with(rest, "ChangeCipherSpec")) {
    row->title = "ChangeCipherSpec";
    row->detail = rest.size() > 17 ? rest.substr(17) : "";
    return true;
  }
  // "<Name> (N bytes)[ [HelloRetryRequest]][: fields]"
  size_t paren = rest.find(" (");
  if (paren == std::string::npos) {
    row->title = rest;
    return true;
  }
  row->title = rest.substr(0, paren);
  size_t close = rest.find(')', paren);
  std::string size = close == std::string::npos ? "" : rest.substr(paren + 2, close - paren - 2);
  std::string after = close == std::string::npos ? "" : rest.substr(close + 1);
  if (starts_with(after, " [HelloRetryRequest]")) {
    row->title = "HelloRetryRequest";
    after = after.substr(20);
  }
  if (starts_with(after, ": ")) after = after.substr(2);
  row->detail = size + (after.empty() ? "" : "; " + after);
  return true;
}

// The bytes of an "N bytes" detail (0 when it is not one).
unsigned long bytes_of(const std::string& detail) { return std::strtoul(detail.c_str(), nullptr, 10); }

void insert_after(Ladder* l, size_t i, bool c2s, const std::string& text) {
  LadderRow k;
  k.kind = LadderRow::Kind::key_change;
  k.client_to_server = c2s;
  k.title = text;
  l->rows.insert(l->rows.begin() + static_cast<long>(i) + 1, k);
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

// Splits text into lines of at most `width` characters (at a space or comma when there is one), at
// most `max_lines` (the last one then ends with "...").
std::vector<std::string> wrap(const std::string& text, size_t width, size_t max_lines) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl;
    if (end - start > width) {
      size_t cut = text.find_last_of(" ,", start + width);
      end = cut != std::string::npos && cut > start ? cut + 1 : start + width;
    }
    std::string line = text.substr(start, end - start);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (lines.size() + 1 == max_lines && end < text.size()) {
      lines.push_back(line + " ...");
      return lines;
    }
    lines.push_back(line);
    start = end;
    if (start < text.size() && text[start] == '\n') start++;
    while (start < text.size() && text[start] == ' ') start++;
  }
  return lines;
}

}  // namespace

void add_key_changes(Ladder* l, size_t from, bool tls13, bool early_data) {
  bool sh = false, early_shown = false, server_fin = false, client_fin = false;
  for (size_t i = from; i < l->rows.size(); i++) {
    const LadderRow r = l->rows[i];
    if (r.kind != LadderRow::Kind::message) continue;
    bool c2s = r.client_to_server;
    if (!tls13) {
      if (r.title == "ChangeCipherSpec") {
        insert_after(l, i, c2s, "records encrypted from here (keys from the master secret)");
        i++;
      }
      continue;
    }
    if (r.title == "ClientHello" && early_data && !early_shown) {
      insert_after(l, i, true, "0-RTT keys (client_early_traffic_secret)");
      early_shown = true;
      i++;
    } else if (r.title == "ServerHello" && !sh) {
      sh = true;
      insert_after(l, i, false, "handshake keys (server_handshake_traffic_secret)");
      i++;
      if (!early_data) {
        insert_after(l, i, true, "handshake keys (client_handshake_traffic_secret)");
        i++;
      }
    } else if (r.title == "EndOfEarlyData" && c2s) {
      insert_after(l, i, true, "handshake keys (client_handshake_traffic_secret)");
      i++;
    } else if (r.title == "Finished" && !c2s && !server_fin) {
      server_fin = true;
      insert_after(l, i, false, "application keys (server_application_traffic_secret_0)");
      i++;
    } else if (r.title == "Finished" && c2s && !client_fin) {
      client_fin = true;
      if (early_data && sh) {
        // 0-RTT refused: no EndOfEarlyData; the client's handshake keys came with the ServerHello.
        bool eoed = false;
        for (size_t j = from; j < i; j++) eoed |= l->rows[j].title == "EndOfEarlyData";
        if (!eoed) {
          insert_after(l, i - 1, true, "handshake keys (client_handshake_traffic_secret)");
          i++;
        }
      }
      insert_after(l, i, true, "application keys (client_application_traffic_secret_0)");
      i++;
    } else if (r.title == "KeyUpdate") {
      insert_after(l, i, c2s, "next application keys (KeyUpdate)");
      i++;
    }
  }
  // Messages after a direction's first key change travel encrypted (ChangeCipherSpec never is).
  bool on[2] = {false, false};
  for (size_t i = from; i < l->rows.size(); i++) {
    LadderRow& r = l->rows[i];
    if (r.kind == LadderRow::Kind::key_change) on[r.client_to_server ? 0 : 1] = true;
    if (r.kind == LadderRow::Kind::message && on[r.client_to_server ? 0 : 1] && r.title != "ChangeCipherSpec")
      r.encrypted = true;
  }
}

Ladder ladder_from_trace(const std::string& title, const std::vector<std::string>& trace) {
  Ladder l;
  l.title = title;
  bool tls13 = false, early = false, server_hello = false;
  for (const std::string& line : trace) {
    LadderRow row;
    if (parse_message(line, &row)) {
      if (row.title == "ServerHello") {
        server_hello = true;
        tls13 |= contains(row.detail, "TLSv1.3");
      }
      if (row.title == "HelloRetryRequest") tls13 = true;
      if (row.client_to_server && row.title == "encrypted record" && !server_hello) early = true;
      LadderRow* last = l.rows.empty() ? nullptr : &l.rows.back();
      if (row.title == "application data" && last != nullptr && last->kind == LadderRow::Kind::message &&
          last->title == "application data" && last->client_to_server == row.client_to_server) {
        last->detail = std::to_string(bytes_of(last->detail) + bytes_of(row.detail)) + " bytes";
        continue;
      }
      l.rows.push_back(row);
    } else if (starts_with(line, "event: handshake_done") || starts_with(line, "the connection failed")) {
      row.kind = LadderRow::Kind::note;
      row.title = starts_with(line, "event: ") ? line.substr(7) : line;
      l.rows.push_back(row);
    }
  }
  add_key_changes(&l, 0, tls13, early);
  return l;
}

void add_divergence(Ladder* l, const std::string& report) {
  LadderRow row;
  row.kind = LadderRow::Kind::divergence;
  row.title = "DIVERGENCE";
  row.detail = report;
  l->rows.push_back(row);
}

std::string ladder_svg(const Ladder& l) {
  const int width = 1100, left = 170, right = 930, mid = (left + right) / 2, line_h = 14;
  std::string body;
  int y = 110;
  char buf[512];
  for (const LadderRow& r : l.rows) {
    const char* dir = r.client_to_server ? "C-&gt;S" : "S-&gt;C";
    switch (r.kind) {
      case LadderRow::Kind::message: {
        std::vector<std::string> lines = wrap(r.detail, 100, 5);
        int from = r.client_to_server ? left : right, to = r.client_to_server ? right : left;
        std::snprintf(buf, sizeof(buf), "<g class=\"message\" data-dir=\"%s\" data-title=\"%s\">\n", dir,
                      xml_escape(r.title).c_str());
        body += buf;
        std::snprintf(buf, sizeof(buf),
                      "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"title\">%s%s</text>\n", mid, y + 14,
                      xml_escape(r.title).c_str(), r.encrypted ? " \xF0\x9F\x94\x92" : "");
        body += buf;
        std::snprintf(buf, sizeof(buf),
                      "  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\" marker-end=\"url(#arrow)\"/>\n",
                      from, y + 22, to, y + 22, r.encrypted ? "arrow enc" : "arrow");
        body += buf;
        int ly = y + 22 + line_h;
        for (const std::string& s : lines) {
          std::snprintf(buf, sizeof(buf), "  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"detail\">", mid, ly);
          body += buf + xml_escape(s) + "</text>\n";
          ly += line_h;
        }
        body += "</g>\n";
        y = ly + 8;
        break;
      }
      case LadderRow::Kind::key_change: {
        int x = r.client_to_server ? left + 8 : right - 8;
        std::snprintf(buf, sizeof(buf),
                      "<g class=\"key-change\" data-dir=\"%s\">\n  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                      "class=\"key\"/>\n  <text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"keytext\">",
                      dir, r.client_to_server ? left - 60 : mid + 20, y + 4, r.client_to_server ? mid - 20 : right + 60,
                      y + 4, x, y + 18, r.client_to_server ? "start" : "end");
        body += buf + std::string("\xF0\x9F\x94\x91 ") + xml_escape(r.title) + "</text>\n</g>\n";
        y += 30;
        break;
      }
      case LadderRow::Kind::note: {
        std::snprintf(buf, sizeof(buf), "<g class=\"note\">\n  <text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"note\">",
                      mid, y + 14);
        body += buf + xml_escape(r.title) + "</text>\n</g>\n";
        y += 26;
        break;
      }
      case LadderRow::Kind::divergence: {
        std::vector<std::string> lines = wrap(r.detail, 130, 12);
        int h = 26 + static_cast<int>(lines.size()) * line_h;
        std::snprintf(buf, sizeof(buf),
                      "<g class=\"divergence\">\n  <rect x=\"20\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"diverge\"/>\n"
                      "  <text x=\"30\" y=\"%d\" class=\"divtitle\">%s</text>\n",
                      y, width - 40, h, y + 16, xml_escape(r.title).c_str());
        body += buf;
        int ly = y + 16 + line_h;
        for (const std::string& s : lines) {
          std::snprintf(buf, sizeof(buf), "  <text x=\"30\" y=\"%d\" class=\"divtext\">", ly);
          body += buf + xml_escape(s) + "</text>\n";
          ly += line_h;
        }
        body += "</g>\n";
        y += h + 10;
        break;
      }
    }
  }
  int height = y + 30;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::snprintf(buf, sizeof(buf),
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                "font-family=\"sans-serif\">\n",
                width, height, width, height);
  out += buf;
  out += "<title>" + xml_escape(l.title) + "</title>\n";
  out +=
      "<defs>\n"
      "  <marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" orient=\"auto\">\n"
      "    <path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/>\n"
      "  </marker>\n"
      "  <style>\n"
      "    .title { font-size: 14px; font-weight: bold; fill: #111; }\n"
      "    .detail { font-size: 11px; fill: #444; font-family: monospace; }\n"
      "    .arrow { stroke: #333; stroke-width: 1.5; }\n"
      "    .enc { stroke: #2a7a2a; stroke-width: 2; }\n"
      "    .key { stroke: #d08000; stroke-width: 1; stroke-dasharray: 6 3; }\n"
      "    .keytext { font-size: 11px; fill: #a06000; }\n"
      "    .note { font-size: 12px; font-style: italic; fill: #225; }\n"
      "    .diverge { fill: #fde0e0; stroke: #c00; stroke-width: 2; }\n"
      "    .divtitle { font-size: 14px; font-weight: bold; fill: #c00; }\n"
      "    .divtext { font-size: 11px; fill: #600; font-family: monospace; white-space: pre; }\n"
      "    .head { font-size: 16px; font-weight: bold; }\n"
      "    .lifeline { stroke: #999; stroke-width: 1; }\n"
      "  </style>\n"
      "</defs>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::snprintf(buf, sizeof(buf), "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" class=\"head\">", mid);
  out += buf + xml_escape(l.title) + "</text>\n";
  std::snprintf(buf, sizeof(buf),
                "<text x=\"%d\" y=\"80\" text-anchor=\"middle\" class=\"head\">Client</text>\n"
                "<text x=\"%d\" y=\"80\" text-anchor=\"middle\" class=\"head\">Server</text>\n"
                "<line x1=\"%d\" y1=\"90\" x2=\"%d\" y2=\"%d\" class=\"lifeline\"/>\n"
                "<line x1=\"%d\" y1=\"90\" x2=\"%d\" y2=\"%d\" class=\"lifeline\"/>\n",
                left, right, left, left, height - 10, right, right, height - 10);
  out += buf;
  out += body;
  out += "</svg>\n";
  return out;
}

bool write_ladder(const std::string& path, const Ladder& l, std::string* error) {
  std::string svg = ladder_svg(l);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(svg.data(), 1, svg.size(), f) == svg.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) *error = "cannot write " + path;
  return ok;
}

}  // namespace capture
}  // namespace sanstls
