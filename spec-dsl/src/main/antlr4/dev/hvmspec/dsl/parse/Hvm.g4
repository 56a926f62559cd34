/*
 * The hvmspec specification language.
 *
 * A spec file reads like the pseudocode of the Intel SDM: declarations of the domain's inputs and outcomes,
 * constants, enums, bit layouts and functions, and one `evaluate` block whose named `rule`s and `check`s each cite
 * the SDM section they encode. docs/dsl-reference.md describes every construct with an example.
 */
grammar Hvm;

specFile      : header useDecl* declaration* EOF ;
header        : 'domain' STRING ';'                                  # domainHeader
              | 'library' IDENT ';'                                  # libraryHeader
              ;
useDecl       : 'use' IDENT ';' ;

declaration   : sdmDecl | flagDecl | constDecl | enumDecl | layoutDecl | recordDecl
              | inputDecl | outcomeDecl | funcDecl | evaluateDecl ;

sdmDecl       : 'sdm' IDENT '=' volume=STRING section=STRING title=STRING ';' ;
flagDecl      : 'flag' name=STRING ':' description=STRING ';' ;
constDecl     : 'const' IDENT ':' type '=' expr ';' ;
enumDecl      : 'enum' IDENT '{' enumItem (',' enumItem)* ','? '}' ;
enumItem      : IDENT STRING? ;
layoutDecl    : 'layout' IDENT ':' 'bits' '(' INT ')' '{' layoutField* '}' ;
layoutField   : IDENT ':' hi=INT (':' lo=INT)? ';' ;
recordDecl    : 'record' IDENT '{' member* '}' ;
member        : IDENT ':' type OPTIONAL? ';' ;
inputDecl     : 'input' '{' member* '}' ;
outcomeDecl   : 'outcome' IDENT STRING '{' member* '}' ;
funcDecl      : 'func' IDENT '(' (param (',' param)*)? ')' ('->' type)? block ;
param         : IDENT ':' type ;
evaluateDecl  : 'evaluate' block ;

type          : 'bits' '(' INT ')'                                   # bitsType
              | 'bool'                                               # boolType
              | 'int' ('(' min=signedInt '..' max=signedInt ')')?    # intType
              | 'physical_memory'                                    # memoryType
              | 'bytes' '(' INT ')'                                  # bytesType
              | IDENT                                                # namedType
              ;
signedInt     : '-'? INT ;

block         : '{' statement* '}' ;

statement     : kind=('let' | 'var') IDENT (':' type)? '=' expr ';'                      # letStmt
              | IDENT '=' expr ';'                                                       # assignStmt
              | IDENT '[' index=expr ']' '=' value=expr ';'                              # storeStmt
              | ifStatement                                                              # ifStmt
              | 'for' IDENT 'from' from=expr dir=('to' | 'downto') to=expr block         # forStmt
              | 'return' expr ';'                                                        # returnStmt
              | 'finish' expr ('or' expr)* ('flag' STRING)? ';'                          # finishStmt
              | 'allow' expr 'flag' STRING ';'                                           # allowStmt
              | 'rule' id=IDENT 'cites' sdm=IDENT summary=STRING ':'
                    'if' expr then=block ('else' otherwise=block)?                       # ruleStmt
              | 'check' id=IDENT 'cites' sdm=IDENT summary=STRING ':'
                    expr 'else' otherwise=block                                          # checkStmt
              | expr ';'                                                                 # exprStmt
              ;
ifStatement   : 'if' expr block ('else' (ifStatement | block))? ;

expr          : INT                                                  # intLit
              | ('true' | 'false')                                   # boolLit
              | IDENT '(' (arg (',' arg)*)? ')'                       # call
              | IDENT                                                # name
              | '(' expr ')'                                         # paren
              | expr '.' IDENT                                       # memberAccess
              | expr '[' hi=expr ':' lo=expr ']'                     # slice
              | expr '[' index=expr ']'                              # index
              | op=('~' | '!' | '-') expr                            # unary
              | expr op='*' expr                                     # binary
              | expr op=('+' | '-') expr                             # binary
              | expr op=('<<' | '>>') expr                           # binary
              | expr op='++' expr                                    # binary
              | expr op=('<' | '<=' | '>' | '>=') expr               # binary
              | expr op=('==' | '!=') expr                           # binary
              | expr op='&' expr                                     # binary
              | expr op='^' expr                                     # binary
              | expr op='|' expr                                     # binary
              | expr op='&&' expr                                    # binary
              | expr op='||' expr                                    # binary
              | 'if' cond=expr 'then' a=expr 'else' b=expr           # conditional
              ;
arg           : (IDENT ':')? expr ;

OPTIONAL      : 'optional' ;
INT           : '0x' [0-9a-fA-F_]+ | '0b' [01_]+ | [0-9] [0-9_]* ;
IDENT         : [A-Za-z_] [A-Za-z_0-9]* ;
STRING        : '"' (~["\\\r\n] | '\\' ["\\nt])* '"' ;
LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS            : [ \t\r\n]+ -> skip ;
ERROR_CHAR    : . ;
