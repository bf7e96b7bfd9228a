package com.vn.ecommercebe.service;
import java.io.*;
public class DocxReplaceService {
  byte[] r() throws IOException { InputStream is = getClass().getResourceAsStream("/template.docx"); String path = "E:\\ExportFile\\report-x.docx"; File file = new File(path); file.createNewFile(); return null; }
}
