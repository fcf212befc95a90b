//! The blocks put together: distinct values merged in file order, the rules applied, the kept
//! rows gathered into the loader's table.

use super::*;

/// The file's distinct ids and dates, and what they say.
pub(super) struct Merged {
    pub(super) customers: Interner,
    pub(super) invoices: Interner,
    /// Per invoice code: whether the id is a cancellation's (empty when they are not dropped).
    pub(super) cancelled: Vec<bool>,
    pub(super) date_values: Interner,
    pub(super) date_format: dates::DateFormat,
    /// Per date code: the date in ms since the epoch, `None` when unreadable.
    pub(super) parsed_dates: Vec<Option<i64>>,
}

impl Parsed {
    /// Codes every chunk's ids and dates against the file's distinct values, in file order, and
    /// reads what those values say: which invoices are cancellations, the date layout and each
    /// date. One task per column, each going on as far as its column allows.
    pub(super) fn merge(&mut self, options: &LoadOptions) -> Option<Merged> {
        let mut parts: [Vec<(&Interner, &mut Vec<u32>)>; 3] = Default::default();
        for chunk in &mut self.chunks {
            parts[0].push((&chunk.customers, &mut chunk.customer));
            parts[1].push((&chunk.invoices, &mut chunk.invoice));
            parts[2].push((&chunk.dates, &mut chunk.date));
        }
        let absorb_all = |parts: Vec<(&Interner, &mut Vec<u32>)>| {
            let mut merged = Interner::new();
            // Room for every value up front: growing the table rehashes every value so far.
            let (values, bytes) = parts.iter().fold((0, 0), |(n, b), (local, _)| {
                (n + local.len(), b + local.text_len())
            });
            merged.reserve(values, bytes);
            for (local, codes) in parts {
                merged.absorb(local, codes);
            }
            merged
        };
        // Dates are only parsed by code: a value repeated in two blocks may have two codes and be
        // parsed twice, which is cheaper than merging millions of distinct timestamps.
        let concat_all = |parts: &mut [(&Interner, &mut Vec<u32>)]| {
            let mut merged = Interner::new();
            for (local, codes) in parts.iter_mut() {
                let offset = merged.append(local);
                for code in codes.iter_mut().filter(|c| **c != NULL) {
                    *code += offset;
                }
            }
            merged
        };
        let drop_cancellations =
            options.rules.drop_cancellations && self.header.roles.invoice.is_some();
        let invoices_read = |parts| -> Option<(Interner, Vec<bool>)> {
            let invoices = absorb_all(parts);
            if !drop_cancellations {
                return Some((invoices, Vec::new()));
            }
            let pattern = clean::cancellation_regex(&options.rules).ok()?;
            let cancelled = invoices.values().map(|id| pattern.is_match(id)).collect();
            Some((invoices, cancelled))
        };
        let dates_read = |mut parts: Vec<(&Interner, &mut Vec<u32>)>| {
            let values = concat_all(&mut parts);
            let format = match &options.date_format {
                Some(format) => format.clone(),
                None => {
                    let seen = parts
                        .iter()
                        .flat_map(|(_, codes)| codes.iter())
                        .filter(|&&c| c != NULL)
                        .map(|&c| values.get(c));
                    dates::detect(seen).ok()?
                }
            };
            let parsed: Vec<Option<i64>> = {
                use rayon::prelude::*;
                (0..values.len() as u32)
                    .into_par_iter()
                    .map(|code| {
                        dates::parse_with_fallbacks(
                            &format,
                            &options.other_date_formats,
                            values.get(code),
                        )
                    })
                    .collect()
            };
            Some((values, format, parsed))
        };
        let [customers, invoices, dates] = parts;
        let (customers, (invoices, dates)) = rayon::join(
            || absorb_all(customers),
            || rayon::join(|| invoices_read(invoices), || dates_read(dates)),
        );
        let (invoices, cancelled) = invoices?;
        let (date_values, date_format, parsed_dates) = dates?;
        Some(Merged {
            customers,
            invoices,
            cancelled,
            date_values,
            date_format,
            parsed_dates,
        })
    }

    /// Dates and numbers that were present but not readable, among rows with a customer id, in
    /// the general path's order: date, quantity, price, amount.
    pub(super) fn parse_failures(
        &self,
        roles: &ResolvedRoles,
        date_values: &Interner,
        parsed_dates: &[Option<i64>],
    ) -> Vec<ParseFailure> {
        let mut dates = (0, Vec::new());
        let mut numbers: [(usize, Vec<String>); 3] = Default::default();
        for chunk in &self.chunks {
            chunk.unreadable_dates(date_values, parsed_dates, &mut dates);
            for ((rows, examples), (chunk_rows, chunk_examples)) in
                numbers.iter_mut().zip(&chunk.bad_numbers)
            {
                *rows += chunk_rows;
                for example in chunk_examples {
                    ParseFailure::add_example(examples, example);
                }
            }
        }
        crate::data::row_block::parse_failures(roles, dates, numbers)
    }

    /// Detects the date layout, applies the cleaning rules and builds the kept rows. `decoded`
    /// says how text that was not UTF-8 was decoded first (whether a byte-order mark went, and
    /// which bytes were replaced).
    pub(super) fn finish(
        mut self,
        name: &Path,
        gzip: bool,
        decoded: Option<(TextEncoding, bool, Option<ReplacedBytes>)>,
        options: &LoadOptions,
    ) -> Option<Cleaned> {
        let rows_in: usize = self.chunks.iter().map(|c| c.facts.len()).sum();
        if rows_in == 0 {
            return None;
        }
        let Merged {
            customers,
            invoices,
            cancelled,
            date_values,
            date_format,
            parsed_dates,
        } = self.merge(options)?;
        let date_facts = date_facts(&parsed_dates, options);
        let enforced = clean::enforced(&options.rules);
        let fates: Vec<(Vec<bool>, ReasonCounts)> = {
            use rayon::prelude::*;
            self.chunks
                .par_iter_mut()
                .map(|chunk| chunk.fates(&date_facts, &cancelled, enforced))
                .collect()
        };
        let mut counts: ReasonCounts = Default::default();
        let mut keep: Vec<Vec<bool>> = Vec::with_capacity(fates.len());
        for (chunk_keep, chunk_counts) in fates {
            for (total, n) in counts.iter_mut().zip(chunk_counts) {
                *total += n;
            }
            keep.push(chunk_keep);
        }
        let kept = Kept {
            chunks: &self.chunks,
            keep: &keep,
            rows: rows_in - counts.iter().sum::<usize>(),
        };
        let roles = &self.header.roles;
        let texts = stored_texts(roles, self.header.layout.basket.is_some());
        let customer_codes = kept.gather(|c| &c.customer);
        let invoice_codes = kept.gather(|c| &c.invoice);
        // Text columns are views into the text (no copy of the values), built on one thread while
        // the other gathers the typed columns.
        let ((text_columns, baskets), (typed, codes)) = rayon::join(
            || (kept.text_columns(&texts), kept.baskets()),
            || {
                let ids = [
                    (&customer_codes[..], &customers),
                    (&invoice_codes[..], &invoices),
                ];
                rayon::join(
                    || kept.typed_columns(roles, ids, &parsed_dates),
                    // Duplicates change the kept rows: codes are then made from the ids left.
                    || {
                        (!options.rules.drop_duplicates).then(|| {
                            let invoice_codes =
                                roles.invoice.is_some().then_some(&invoice_codes[..]);
                            Kept::codes(&customer_codes, invoice_codes, &customers, &invoices)
                        })
                    },
                )
            },
        );
        let mut columns = typed.ok()?;
        columns.extend(text_columns);
        let frame = DataFrame::new(kept.rows, columns).ok()?;
        let key = crate::frame::column_names(&frame);
        let frame = clean::drop_duplicates(frame, &options.rules, &key, &mut counts).ok()?;
        let accounting = clean::accounting(rows_in, frame.height(), counts);
        let mut missing = vec![0; self.header.names.len()];
        for chunk in &self.chunks {
            for (total, n) in missing.iter_mut().zip(&chunk.missing) {
                *total += n;
            }
        }
        let parse_failures = self.parse_failures(&self.header.roles, &date_values, &parsed_dates);
        let Header {
            names,
            delimiter,
            bom,
            roles,
            ..
        } = self.header;
        let (encoding, bom, replaced) = decoded.unwrap_or((TextEncoding::Utf8, bom, None));
        // One record per line here: row i (0-based) is on line i + 2, after the header.
        let mut rejected = RejectedRows::default();
        let blank = DropReason::BlankRow.bit();
        let all_facts = self.chunks.iter().flat_map(|c| c.facts.iter());
        for (row, _) in all_facts.enumerate().filter(|(_, f)| **f == blank) {
            rejected.add(DropReason::BlankRow, row + 2);
        }
        let source = SourceInfo {
            path: name.to_path_buf(),
            format: FileFormat::Csv,
            gzip,
            encoding: Some(encoding),
            delimiter: Some(delimiter as char),
            bom,
            replaced,
            rejected,
            files: Vec::new(),
        };
        Some(Cleaned {
            kept: frame,
            accounting,
            missing_values: names.into_iter().zip(missing).collect(),
            date_format,
            source,
            roles,
            codes,
            parse_failures,
            excluded_periods: options.rules.excluded_periods.clone(),
            baskets,
        })
    }
}

/// The rows cleaning kept, chunk by chunk.
#[derive(Clone, Copy)]
pub(super) struct Kept<'p> {
    pub(super) chunks: &'p [Chunk],
    pub(super) keep: &'p [Vec<bool>],
    /// How many rows are kept: the rows read less those a reason dropped.
    pub(super) rows: usize,
}

impl<'p> Kept<'p> {
    /// The kept values of one per-row vector, over all chunks in order.
    pub(super) fn gather<T: Copy + Default + 'p>(
        self,
        values: impl Fn(&'p Chunk) -> &'p [T],
    ) -> Vec<T> {
        let mut out = vec![T::default(); self.chunks.iter().map(|c| values(c).len()).sum()];
        let mut kept = 0;
        for (chunk, keep) in self.chunks.iter().zip(self.keep) {
            // Without a branch per row: a quarter of Online Retail's rows are dropped, in no
            // pattern a branch predictor could learn.
            for (value, &k) in values(chunk).iter().zip(keep) {
                out[kept] = *value;
                kept += usize::from(k);
            }
        }
        out.truncate(kept);
        out
    }

    /// The kept rows' baskets, when they were read while parsing.
    pub(super) fn baskets(self) -> Option<BasketRows> {
        let mut kept = BasketRows::default();
        for (chunk, keep) in self.chunks.iter().zip(self.keep) {
            kept.append(chunk.baskets.as_ref()?, Some(keep));
        }
        Some(kept)
    }

    /// Ids, date and numbers, as the general path types them.
    pub(super) fn typed_columns(
        self,
        roles: &ResolvedRoles,
        ids: [(&[u32], &Interner); 2],
        parsed_dates: &[Option<i64>],
    ) -> PolarsResult<Vec<Column>> {
        // Kept rows never have a missing id, so every code is in range.
        let column = |(codes, interner): (&[u32], &Interner), name: &str| {
            let codes: Vec<IdxSize> = codes.iter().map(|&c| c as IdxSize).collect();
            let values = interner
                .column()
                .take(&IdxCa::from_vec(PlSmallStr::EMPTY, codes))?;
            PolarsResult::Ok(values.with_name(name.into()).into_column())
        };
        let [customers, invoices] = ids;
        let mut typed = vec![column(customers, cols::CUSTOMER)?];
        if roles.invoice.is_some() {
            typed.push(column(invoices, cols::INVOICE)?);
        }
        let dates: Int64Chunked = self
            .gather(|c| &c.date)
            .into_iter()
            .map(|c| parsed_dates.get(c as usize).copied().flatten())
            .collect();
        typed.push(
            dates
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_series()
                .with_name(cols::DATE.into())
                .into_column(),
        );
        let present = Present::of(roles);
        let numbers = |k: usize| -> Vec<f64> { self.gather(|c| &c.numbers[k]) };
        let float = |name: &str, values: Vec<f64>| {
            Float64Chunked::from_vec(name.into(), values).into_column()
        };
        let [quantity, price, amount] = [0, 1, 2].map(numbers);
        let amount = if present.amount_column {
            amount
        } else {
            quantity.iter().zip(&price).map(|(q, p)| q * p).collect()
        };
        if present.quantity {
            typed.push(float(cols::QUANTITY, quantity));
        }
        if present.price {
            typed.push(float(cols::PRICE, price));
        }
        typed.push(float(cols::AMOUNT, amount));
        Ok(typed)
    }

    /// Product, description and dimensions of the kept rows (the end trimmed and empty values null,
    /// as the general path makes them), from the chunks' values.
    pub(super) fn text_columns(self, texts: &[(&str, &str)]) -> Vec<Column> {
        use rayon::prelude::*;
        texts
            .par_iter()
            .enumerate()
            .map(|(t, (_, name))| {
                let mut values = MutablePlString::with_capacity(self.rows);
                for (chunk, keep) in self.chunks.iter().zip(self.keep) {
                    let chunk_values = &chunk.text[t];
                    for (row, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
                        values.push(chunk_values.is_valid(row).then(|| chunk_values.value(row)));
                    }
                }
                let array: Utf8ViewArray = values.into();
                StringChunked::with_chunk((*name).into(), array).into_column()
            })
            .collect()
    }

    /// `customer_code` (ranked by id) and `invoice_code` (first appearance) of the kept rows, as
    /// [`Transactions`](crate::data::transactions::Transactions) defines them, from the merged
    /// codes: the same numbers the general path gets by hashing the kept ids again.
    pub(super) fn codes(
        customer_codes: &[u32],
        invoice_codes: Option<&[u32]>,
        customers: &Interner,
        invoices: &Interner,
    ) -> (Vec<u32>, Option<Vec<u32>>) {
        // Dense codes over the kept rows, in order of first appearance there.
        let dense = |codes: &[u32], distinct: usize| -> (Vec<u32>, Vec<u32>) {
            let mut remap = vec![NULL; distinct];
            let mut firsts = Vec::new();
            let dense = codes
                .iter()
                .map(|&c| {
                    let slot = &mut remap[c as usize];
                    if *slot == NULL {
                        *slot = firsts.len() as u32;
                        firsts.push(c);
                    }
                    *slot
                })
                .collect();
            (dense, firsts)
        };
        let (first_seen, firsts) = dense(customer_codes, customers.len());
        let ids: Vec<&str> = firsts.iter().map(|&c| customers.get(c)).collect();
        let rank = crate::data::ids::rank_by_id(&ids);
        let customer = first_seen.into_iter().map(|c| rank[c as usize]).collect();
        let invoice = invoice_codes.map(|codes| dense(codes, invoices.len()).0);
        (customer, invoice)
    }
}
