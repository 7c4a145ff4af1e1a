// imuse-admin documents list|get
#include <memory>

#include "commands/common.hpp"
#include "changes/documents.hpp"
#include "cli/commands.hpp"

namespace imuse::cli {

namespace {

struct DocumentsArgs {
  bool missing = false;
  std::string campaign;
  std::int64_t id = 0;
  std::string out;
};

}  // namespace

void register_documents(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<DocumentsArgs>();
  auto* list = group.add_subcommand("list", "List documents: who provided or still owes what, and in which state");
  list->add_flag("--missing", a->missing, "Only documents still owed (not provided, or refused)");
  list->add_option("--campaign", a->campaign, "What campaign CODE asks of its families, provided or not")
      ->type_name("CODE");
  list->callback([a, &ctx] {
    DocumentListOptions options;
    options.missing = a->missing;
    options.campaign = a->campaign;
    ctx.select(Action{"documents list", Needs::database, false, true, [options](Session& s, Report& r) {
                        DocumentListOptions run = options;
                        run.site = filter_site(s);
                        list_documents(*s.tx, run, r);
                      }});
  });

  auto* get = group.add_subcommand("get", "Write a document's stored file to a new file (mode 0600)");
  get->add_option("ID", a->id, "Document id (see documents list)")->required()->check(CLI::PositiveNumber);
  get->add_option("--out", a->out, "File to create; an existing file is never overwritten")->required();
  get->callback([a, &ctx] {
    const std::int64_t id = a->id;
    const std::string out = a->out;
    ctx.select(Action{"documents get", Needs::database, false, true,
                      [id, out](Session& s, Report& r) { get_document(*s.tx, id, out, r); }});
  });
}

}  // namespace imuse::cli
